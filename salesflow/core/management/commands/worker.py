"""`salesflow worker`: run background tasks (emails, webhooks, imports) from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import (
    valid_interval,
    valid_max_tasks,
    validate_worker_id,
)


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks-db's db_worker) until stopped."

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
            "--batch", action="store_true", help="Run the tasks waiting now, then exit."
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
        call_command("db_worker", **forwarded)
