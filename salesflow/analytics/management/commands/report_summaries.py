"""`salesflow report_summaries`: rebuild the funnel's and detours' summary rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Recompute every deal's summary rows for the funnel and detours reports from the stage "
        "history, pipeline by pipeline, and record each pipeline's stage layout "
        "(docs/analytics.md, 'Summary data')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pipeline", type=int, help="Only this pipeline (an id).")
        parser.add_argument(
            "--stale", action="store_true", help="Only pipelines whose stages changed since."
        )
        parser.add_argument("--chunk", type=int, default=20_000, help="Deals per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        from salesflow.analytics.summary import report_summaries_rebuild
        from salesflow.pipeline.models import Pipeline

        pipelines = None
        if options["pipeline"] is not None:
            pipelines = list(Pipeline.objects.filter(pk=options["pipeline"]).only("pk"))
            if not pipelines:
                raise CommandError(f"There is no pipeline {options['pipeline']}.")
        done = report_summaries_rebuild(
            pipelines, chunk=max(options["chunk"], 1), stale_only=options["stale"]
        )
        for pipeline_id, fresh in sorted(done.items()):
            state = "up to date" if fresh else "stale (its stages changed meanwhile; run again)"
            self.stdout.write(f"Pipeline {pipeline_id}: {state}")
