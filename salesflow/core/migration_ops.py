"""Operations that several apps' migrations share."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def sqlite_analyze_indexes(*names: str) -> migrations.RunPython:
    """Gather SQLite's statistics for indexes a migration just created, when the database has
    statistics (`sqlite_stat1`, written by an earlier ANALYZE): an index created afterwards has
    none, and the planner may then prefer an older, narrower index (at 100,000 deals it probed a
    foreign key's index and read every deal row instead of a new covering index). A database
    without statistics, and PostgreSQL (whose autovacuum analyses new indexes), are left alone."""

    def analyze(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return
            for name in names:
                cursor.execute(f'ANALYZE "{name}"')

    return migrations.RunPython(analyze, migrations.RunPython.noop)
