from __future__ import annotations

import pytest
from django.http import Http404

from salesflow.imports.models import ImportStatus
from salesflow.imports.selectors import (
    import_job_get_for_user,
    import_jobs_visible_to,
    import_mappings_for,
)
from salesflow.imports.services import import_job_create, import_job_enqueue, import_mapping_save
from salesflow.imports.tasks import import_run_task
from salesflow.leads.models import Lead

MAPPING = {"kind": "leads", "columns": {"Email": "email"}, "defaults": {"source": "other"}}


def job_of(user):
    return import_job_create(
        user=user, file=b"Email\na@example.com\n", filename="a.csv", kind="leads", mapping=MAPPING
    )


def test_people_see_their_own_import_jobs_and_admins_see_all(rep, teammate, admin_user):
    mine, theirs = job_of(rep), job_of(teammate)

    assert list(import_jobs_visible_to(rep)) == [mine]
    assert set(import_jobs_visible_to(admin_user)) == {mine, theirs}
    assert import_job_get_for_user(admin_user, mine.pk) == mine
    with pytest.raises(Http404):
        import_job_get_for_user(rep, theirs.pk)


def test_inactive_users_see_no_jobs(rep):
    job_of(rep)
    rep.is_active = False

    assert not import_jobs_visible_to(rep).exists()


def test_saved_mappings_are_listed_by_kind(rep):
    saved = import_mapping_save(user=rep, name="Fair leads", kind="leads", definition=MAPPING)

    assert list(import_mappings_for(rep, "leads")) == [saved]
    assert not import_mappings_for(rep, "deals").exists()


def test_the_background_task_runs_the_job(rep):
    job = job_of(rep)

    result = import_run_task.call(job.pk)

    job.refresh_from_db()
    assert result == {"status": "done", "created": 1, "updated": 0, "unchanged": 0, "errors": 0}
    assert job.status == ImportStatus.DONE and Lead.objects.count() == 1


def test_enqueueing_waits_for_the_commit(rep, django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = job_of(rep)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_job_enqueue(job)

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert job.status == ImportStatus.DONE
