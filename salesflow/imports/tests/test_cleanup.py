"""Old wizard drafts and the files of long-finished imports are deleted, by `salesflow cleanup`
and on the worker's schedule; jobs stay as history. Real files in a temporary MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from salesflow.core.management.commands.worker import schedule_enqueue
from salesflow.imports.models import IMPORT_DRAFT_DIR, ImportJob, ImportStatus
from salesflow.imports.services import ImportsCleanup, import_job_create, imports_cleanup
from salesflow.imports.tasks import imports_cleanup_task
from salesflow.imports.tests.conftest import run_import

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name"},
    "defaults": {"source": "other"},
}
LEADS = {"kind": "leads", "mapping": MAPPING}
CSV = "Email,Name\nada@example.com,Ada Lovelace\nnot-an-email,Grace Hopper\n"
CLEANUP_PATH = imports_cleanup_task.module_path


def on_disk(name: str) -> bool:
    return Path(default_storage.path(name)).exists()


def draft(token: str, *, written_at: dt.datetime) -> str:
    """A draft file as the wizard stores it, last written at that time."""
    name = default_storage.save(f"{IMPORT_DRAFT_DIR}/{token}/leads.csv", ContentFile(CSV))
    stamp = written_at.timestamp()
    os.utime(default_storage.path(name), (stamp, stamp))
    return name


def finished_job(rep, *, at: dt.datetime, **options) -> ImportJob:
    with time_machine.travel(at, tick=False):
        job = run_import(rep, CSV, mapping=MAPPING, **options)
    assert job.finished_at == at and on_disk(job.file.name)
    return job


# -- drafts ------------------------------------------------------------------------------------


def test_an_old_draft_is_deleted_with_its_folder_and_a_fresh_one_is_kept():
    old = draft("old", written_at=T0 - dt.timedelta(hours=25))
    fresh = draft("fresh", written_at=T0 - dt.timedelta(hours=23))

    result = imports_cleanup(now=T0)

    assert result.drafts == [old]
    assert not on_disk(old) and not on_disk(f"{IMPORT_DRAFT_DIR}/old")
    assert on_disk(fresh)


def test_an_empty_draft_folder_is_removed_once_old():
    folder = Path(default_storage.path(f"{IMPORT_DRAFT_DIR}/dropped"))
    folder.mkdir(parents=True)
    recent = (T0 - dt.timedelta(hours=1)).timestamp()
    os.utime(folder, (recent, recent))

    imports_cleanup(now=T0)
    assert folder.exists()  # perhaps a draft whose file is being written

    imports_cleanup(now=T0 + dt.timedelta(days=2))
    assert not folder.exists()


def test_no_drafts_folder_is_nothing_to_do():
    assert imports_cleanup(now=T0).drafts == []


def test_a_draft_left_in_the_wizard_for_a_day_is_gone_and_the_wizard_asks_for_the_file_again(
    rep_client,
):
    upload = ContentFile(CSV.encode(), name="leads.csv")
    response = rep_client.post(reverse("imports:upload"), {"kind": "leads", "file": upload})
    map_url = response["Location"]
    assert rep_client.get(map_url).status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        call_command("cleanup", stdout=StringIO())

    assert default_storage.listdir(IMPORT_DRAFT_DIR) == ([], [])
    page = rep_client.get(map_url, follow=True)
    assert "That upload is no longer available" in page.content.decode()


# -- files of jobs ---------------------------------------------------------------------------


def test_a_finished_jobs_file_is_deleted_after_the_set_days_and_the_job_kept_as_history(rep):
    job = finished_job(rep, at=T0)
    name = job.file.name

    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        result = imports_cleanup()

    assert result.job_files == [(job.pk, name)]
    assert not on_disk(name)
    job.refresh_from_db()
    assert job.file.name == ""
    assert (job.status, job.created_count, job.error_count) == (ImportStatus.DONE, 1, 1)
    assert job.errors.count() == 1


def test_a_job_finished_fewer_days_ago_keeps_its_file(rep):
    job = finished_job(rep, at=T0)

    with time_machine.travel(T0 + dt.timedelta(days=29), tick=False):
        assert imports_cleanup().job_files == []

    job.refresh_from_db()
    assert on_disk(job.file.name)


def test_waiting_and_running_jobs_are_untouched_however_old(rep):
    with time_machine.travel(T0, tick=False):
        waiting = import_job_create(user=rep, file=CSV.encode(), filename="a.csv", **LEADS)
        running = import_job_create(user=rep, file=CSV.encode(), filename="b.csv", **LEADS)
    ImportJob.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING, started_at=T0)

    result = imports_cleanup(now=T0 + dt.timedelta(days=365))

    assert result.job_files == []
    for job in (waiting, running):
        job.refresh_from_db()
        assert on_disk(job.file.name)


def test_the_ages_are_read_from_the_settings_when_the_cleanup_runs(rep, settings):
    job = finished_job(rep, at=T0)
    old = draft("old", written_at=T0)
    later = T0 + dt.timedelta(days=400)

    settings.SALESFLOW_IMPORT_FILE_DAYS = 0
    settings.SALESFLOW_IMPORT_DRAFT_HOURS = 0
    assert imports_cleanup(now=later) == ImportsCleanup()  # 0: kept for ever
    assert on_disk(job.file.name) and on_disk(old)

    settings.SALESFLOW_IMPORT_FILE_DAYS = 5
    settings.SALESFLOW_IMPORT_DRAFT_HOURS = 2
    result = imports_cleanup(now=T0 + dt.timedelta(days=6))
    assert (result.drafts, [pk for pk, _ in result.job_files]) == ([old], [job.pk])


def test_a_dry_run_whose_file_was_deleted_is_no_longer_offered_for_real(rep, rep_client):
    job = finished_job(rep, at=T0, dry_run=True)
    detail = reverse("imports:job-detail", args=[job.pk])
    assert rep_client.get(detail).context["run_form"] is not None

    imports_cleanup(now=T0 + dt.timedelta(days=31))

    assert rep_client.get(detail).context["run_form"] is None
    response = rep_client.post(
        reverse("imports:job-run-for-real", args=[job.pk]), {"mode": "valid_rows"}, follow=True
    )
    assert "Only a finished dry run can be run for real" in response.content.decode()
    assert ImportJob.objects.count() == 1


def test_the_command_prints_what_it_deleted(rep):
    job = finished_job(rep, at=T0)
    old = draft("old", written_at=T0)
    out = StringIO()

    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        call_command("cleanup", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"Deleted draft {old}",
        f"Deleted the file of import #{job.pk}: {job.file.name}",
        "Deleted 1 draft file (kept 24 hours) and the files of 1 finished import (kept 30 days).",
    ]


# -- the worker's schedule -------------------------------------------------------------------


def cleanup_runs() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=CLEANUP_PATH).order_by("enqueued_at"))


def test_scheduling_enqueues_the_cleanup_once_while_a_run_waits():
    assert "salesflow.imports.tasks.imports_cleanup_task" in schedule_enqueue(now=T0)
    assert schedule_enqueue(now=T0) == []

    (run,) = cleanup_runs()
    assert (run.status, run.run_after) == (TaskResultStatus.READY, get_date_max())


def test_after_a_run_the_next_is_due_its_interval_after_it_started():
    schedule_enqueue(now=T0)
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL, started_at=T0)

    schedule_enqueue(now=T0 + dt.timedelta(minutes=1))
    schedule_enqueue(now=T0 + dt.timedelta(hours=2))

    _done, following = cleanup_runs()
    assert (following.status, following.run_after) == (
        TaskResultStatus.READY,
        T0 + dt.timedelta(hours=6),
    )


def test_a_run_missed_while_no_worker_ran_is_due_at_once():
    schedule_enqueue(now=T0)
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED, started_at=T0)

    schedule_enqueue(now=T0 + dt.timedelta(days=3))

    assert cleanup_runs()[-1].run_after == get_date_max()  # no delay


def test_a_run_stuck_running_past_its_interval_counts_as_crashed():
    schedule_enqueue(now=T0)
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=T0)

    # (Other scheduled tasks run hourly: only the cleanup's own entry counts here.)
    cleanup = "salesflow.imports.tasks.imports_cleanup_task"
    assert cleanup not in schedule_enqueue(now=T0 + dt.timedelta(hours=5))
    assert cleanup in schedule_enqueue(now=T0 + dt.timedelta(hours=7))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_the_cleanup_when_it_starts_and_schedules_the_next_run():
    old = draft("old", written_at=timezone.now() - dt.timedelta(days=2))

    call_command("worker", "--max-tasks", "1", "--interval", "0", verbosity=0)

    assert not on_disk(old)
    done, following = cleanup_runs()
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == {"drafts": 1, "job_files": 0}
    assert following.status == TaskResultStatus.READY
    assert following.run_after == done.started_at + dt.timedelta(hours=6)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_run_schedules_nothing():
    call_command("worker", "--batch", verbosity=0)

    assert cleanup_runs() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_without_schedule_runs_a_queued_cleanup_but_schedules_no_next_one():
    imports_cleanup_task.enqueue()

    call_command("worker", "--no-schedule", "--max-tasks", "1", "--interval", "0", verbosity=0)

    assert [run.status for run in cleanup_runs()] == [TaskResultStatus.SUCCESSFUL]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_starting_together_schedule_one_run(monkeypatch):
    workers = 4
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    enqueue = DatabaseBackend.enqueue

    def slow_enqueue(*args: object, **kwargs: object) -> object:
        time.sleep(0.3)  # every worker has seen no waiting run before the first one adds it
        return enqueue(*args, **kwargs)

    monkeypatch.setattr(DatabaseBackend, "enqueue", slow_enqueue)

    def start() -> None:
        try:
            barrier.wait(timeout=10)
            schedule_enqueue()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(cleanup_runs()) == 1
