# Indexes for issue #10 (lists): the big lists read a page's ids from an index holding the list's
# order and the access rule's columns (docs/benchmarks.md, "Lists at full scale").
from django.db import migrations, models

NEW_INDEXES = ("lead_list_idx",)


def analyze_new_indexes(apps, schema_editor):
    """SQLite plans with the statistics ANALYZE gathered, when the database has them
    (`sqlite_stat1`): an index created afterwards has none, and the planner may then prefer an
    older, narrower index (at 100,000 deals it probed the foreign key's index and read every
    deal row instead of this migration's covering index). Gather these indexes' statistics
    when the database has statistics; a database without any is left as it is."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return
        for name in NEW_INDEXES:
            cursor.execute(f'ANALYZE "{name}"')


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_lead_source_detail")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["score", "created_at", "id", "owner", "team", "visibility"],
                name="lead_list_idx",
            ),
        ),
        migrations.RunPython(analyze_new_indexes, migrations.RunPython.noop),
    ]
