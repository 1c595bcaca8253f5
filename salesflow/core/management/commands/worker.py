"""`salesflow worker`: run background tasks (emails, webhooks, imports) from the database queue,
and the tasks of SALESFLOW_WORKER_SCHEDULE (the import cleanup) every so many hours."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, task_finished
from django_tasks_db.management.commands.db_worker import (
    valid_interval,
    valid_max_tasks,
    validate_worker_id,
)
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger(__name__)

# Any constant will do: PostgreSQL advisory locks are named by a number.
SCHEDULE_LOCK = 7_342_001


def schedule_enqueue(*, now: dt.datetime | None = None) -> list[str]:
    """Give each task of SALESFLOW_WORKER_SCHEDULE one waiting run, due its interval after its
    last start (at once if it never ran, or a run was missed); return the paths enqueued.

    The queue is the schedule's record: a scheduled task that is waiting, or started within its
    interval and still running, is not enqueued again. So several workers and restarts never
    make it run more often, a worker down for a day runs it once when back, and a run that
    crashed is retried after its interval. Checked again under a lock (SQLite: an exclusive
    transaction; PostgreSQL: an advisory lock) so two workers starting together add one run.
    """
    now = now or timezone.now()
    enqueued = []
    for path, hours in settings.SALESFLOW_WORKER_SCHEDULE:
        task = import_string(path)
        if not isinstance(task.get_backend(), DatabaseBackend):
            continue  # only the database queue has a worker
        interval = dt.timedelta(hours=hours)
        runs = DBTaskResult.objects.filter(task_path=task.module_path, backend_name=task.backend)
        pending = runs.filter(
            Q(status=TaskResultStatus.READY)
            | Q(status=TaskResultStatus.RUNNING, started_at__gte=now - interval)
        )
        if pending.exists():
            continue
        with exclusive_transaction(runs.db):
            if connections[runs.db].vendor == "postgresql":
                with connections[runs.db].cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
            if pending.exists():
                continue
            last_start = runs.aggregate(last=Max("started_at"))["last"]
            due = last_start + interval if last_start else now
            (task.using(run_after=due) if due > now else task).enqueue()
        enqueued.append(path)
    return enqueued


def _schedule_after_task(**kwargs: Any) -> None:
    """After each task the worker ran: a scheduled task that just ran gets its next run."""
    try:
        schedule_enqueue()
    except Exception:
        # The task itself succeeded or failed already; a scheduling hiccup must not change that.
        logger.exception("Could not enqueue the scheduled tasks")


class Command(BaseCommand):
    help = (
        "Run the background task worker (django-tasks-db's db_worker) until stopped, and the "
        "scheduled tasks (SALESFLOW_WORKER_SCHEDULE: the import cleanup) every few hours."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Queues to process, comma-separated; '*' for all (default: %(default)s).",
        )
        parser.add_argument(
            "--exclude-queues", default="", help="Queues to skip, with --queue-name='*'."
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds to wait when the queue is empty (default: %(default)s).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks waiting now, then exit (schedules nothing).",
        )
        parser.add_argument("--max-tasks", type=valid_max_tasks, help="Exit after this many tasks.")
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            help="A name for this worker, unique among running workers (default: random).",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Restart on code changes (development only)."
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run queued tasks; leave the scheduled ones to other workers or cron.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        forwarded: dict[str, Any] = {
            "queue_name": options["queue_name"],
            "exclude_queues": options["exclude_queues"],
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": options["reload"],
            "verbosity": options["verbosity"],
        }
        if options["batch"]:
            forwarded["startup_delay"] = False
        for name in ("max_tasks", "worker_id"):
            if options[name] is not None:
                forwarded[name] = options[name]
        if not (options["batch"] or options["no_schedule"]):
            schedule_enqueue()
            task_finished.connect(_schedule_after_task, dispatch_uid="salesflow-schedule")
        try:
            call_command("db_worker", **forwarded)
        finally:
            task_finished.disconnect(dispatch_uid="salesflow-schedule")
