"""Keeping the global search's indexes (schema.py) whole.

On SQLite the FTS5 tables are kept by triggers on the source tables. Django's SQLite schema
editor rebuilds a table for some column changes (copy to a new table, drop the old, rename),
which drops that table's triggers; `search_index_ensure` (run after every `migrate`, see
apps.py) puts missing triggers back and refills the index of that kind. PostgreSQL keeps its
expression indexes itself.
"""

from __future__ import annotations

from django.db import connections

from salesflow.search.schema import INDEXED


def _sqlite_names(cursor, kind: str) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"search_{kind}%"])
    return {row[0] for row in cursor.fetchall()}


def search_index_rebuild(kind: str, *, using: str = "default") -> None:
    """Refill the index of one kind from its source table (SQLite; PostgreSQL needs nothing)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    spec = INDEXED[kind]
    create = spec.sqlite_create()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {spec.fts_table}")  # noqa: S608 (names from schema.py)
        cursor.execute(create[1])


def search_index_ensure(*, using: str = "default") -> list[str]:
    """Recreate missing SQLite triggers and refill their kinds' indexes; the kinds repaired.

    Does nothing before the search migration has created the FTS tables."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    repaired = []
    with connection.cursor() as cursor:
        for kind, spec in INDEXED.items():
            names = _sqlite_names(cursor, kind)
            if spec.fts_table not in names:
                continue
            triggers = spec.sqlite_create()[2:]  # CREATE TRIGGER <name> ...
            missing = [sql for sql in triggers if sql.split()[2] not in names]
            if not missing:
                continue
            for sql in missing:
                cursor.execute(sql)
            search_index_rebuild(kind, using=using)
            repaired.append(kind)
    return repaired
