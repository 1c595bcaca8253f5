from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salesflow.core.backup import backup_create


class Command(BaseCommand):
    help = "Write a consistent snapshot of the database and uploaded files to FILE (.tar.gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        manifest = backup_create(file)
        rows = sum(manifest["counts"].values())  # type: ignore[union-attr]
        self.stdout.write(self.style.SUCCESS(f"Backup written to {file}: {rows} rows."))
