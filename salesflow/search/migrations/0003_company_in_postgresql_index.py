"""PostgreSQL: contacts and deals index their account's name as their company, copied into a
`search_company` column kept by triggers (schema.py), so a word typed is one GIN lookup for
them instead of a union per word with the accounts' index. SQLite is unchanged (0002)."""

from __future__ import annotations

from django.db import migrations

from salesflow.search.schema import INDEXED

KINDS = ("contact", "deal")


def rebuild(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for kind in KINDS:
            for sql in INDEXED[kind].pg_drop() + INDEXED[kind].pg_create():
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_company_in_sqlite_index")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=False)]
