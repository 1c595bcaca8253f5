"""`salesflow cleanup`: delete old import drafts and the files of long-finished imports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from salesflow.imports.services import imports_cleanup


class Command(BaseCommand):
    help = (
        "Delete uploads left in the import wizard (drafts) older than "
        "SALESFLOW_IMPORT_DRAFT_HOURS, and the files of imports finished more than "
        "SALESFLOW_IMPORT_FILE_DAYS ago; the imports themselves stay listed with their counts "
        "and errors. `salesflow worker` runs this on its own every few hours."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = imports_cleanup()
        for name in result.drafts:
            self.stdout.write(f"Deleted draft {name}")
        for pk, name in result.job_files:
            self.stdout.write(f"Deleted the file of import #{pk}: {name}")
        drafts = _count(len(result.drafts), "draft file")
        files = f"the files of {_count(len(result.job_files), 'finished import')}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {drafts} ({_kept(settings.SALESFLOW_IMPORT_DRAFT_HOURS, 'hours')}) "
                f"and {files} ({_kept(settings.SALESFLOW_IMPORT_FILE_DAYS, 'days')})."
            )
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _kept(value: int, unit: str) -> str:
    return f"kept {value} {unit}" if value > 0 else "kept for ever"
