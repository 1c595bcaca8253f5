from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salesflow.core.backup import BackupError, backup_restore
from salesflow.core.maintenance import maintenance_mode


class Command(BaseCommand):
    help = "Replace the database and uploaded files with a backup made by `salesflow backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, file: Path, yes: bool, **options: Any) -> None:
        if not yes:
            answer = input("This replaces ALL data with the backup. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing changed.")
        try:
            with maintenance_mode("restore"):  # the site answers 503 meanwhile, not lock waits
                manifest = backup_restore(file)
        except BackupError as exc:
            raise CommandError(f"{exc}. Nothing was changed.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Restored the backup of {manifest['created_at']} from {file}.")
        )
