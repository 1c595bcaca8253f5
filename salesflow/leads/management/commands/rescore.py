from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salesflow.leads.scoring import leads_rescore_all
from salesflow.leads.services import form_submissions_prune


class Command(BaseCommand):
    help = (
        "Recompute every lead's score and grade (engagement points fade with time, so run it "
        "daily), and drop web-form submission records older than 30 days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="Leads read at once.")

    def handle(self, *args: Any, chunk_size: int, **options: Any) -> None:
        started = time.perf_counter()
        scored = leads_rescore_all(chunk_size=chunk_size)
        pruned = form_submissions_prune()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Rescored {scored} leads in {seconds:.1f} s; pruned {pruned} old form submissions."
            )
        )
