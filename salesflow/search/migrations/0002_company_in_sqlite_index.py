"""SQLite: contacts and deals index their account's name as their company (one FTS5 MATCH for
all the words instead of a union per word), kept by a trigger on the account's rename.
PostgreSQL is unchanged."""

from __future__ import annotations

from django.db import migrations

from salesflow.search.schema import INDEXED

KINDS = ("contact", "deal")


def rebuild(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for kind in KINDS:
            for sql in INDEXED[kind].sqlite_drop() + INDEXED[kind].sqlite_create():
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_indexes")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=False)]
