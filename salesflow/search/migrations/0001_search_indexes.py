"""The global search's indexes (salesflow/search/schema.py): FTS5 tables kept by triggers on
SQLite, GIN full-text expression indexes on PostgreSQL. Other databases get none (the selectors
then refuse to search)."""

from __future__ import annotations

from django.db import migrations

from salesflow.search.schema import INDEXED


def _run(schema_editor, statements: list[str]) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for spec in INDEXED.values():
        if vendor == "sqlite":
            _run(schema_editor, spec.sqlite_create())
        elif vendor == "postgresql":
            _run(schema_editor, spec.pg_create())


def drop(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for spec in INDEXED.values():
        if vendor == "sqlite":
            _run(schema_editor, spec.sqlite_drop())
        elif vendor == "postgresql":
            _run(schema_editor, spec.pg_drop())


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_lead_source_detail"),
        ("customers", "0008_seed_tiers"),
        ("pipeline", "0012_deal_next_step"),
        ("activities", "0009_invitation_reasons_seed"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
