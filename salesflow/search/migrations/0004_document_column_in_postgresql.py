"""PostgreSQL: every kind's document is a stored `search_document` tsvector column kept by a
trigger (schema.py), indexed by GIN, instead of an expression index: checking the index's
candidates then reads the stored document rather than computing it again for each (about half
the time of a broad query at 100,000 records). SQLite is unchanged."""

from __future__ import annotations

from django.db import migrations

from salesflow.search.schema import INDEXED


def rebuild(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for spec in INDEXED.values():
            for sql in spec.pg_drop() + spec.pg_create():
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_company_in_postgresql_index")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=False)]
