# Indexes for issue #10 (pages): a manager's My day reads the team's open activities by due time
# (docs/benchmarks.md, "Pages at full scale, after").
from django.db import migrations, models

NEW_INDEXES = ("activity_team_agenda_idx",)


def analyze_new_indexes(apps, schema_editor):
    """SQLite plans with the statistics ANALYZE gathered (`sqlite_stat1`) when the database has
    them; an index created afterwards has none, and the planner then misjudged it (see
    pipeline 0015_page_indexes). Gather these indexes' statistics when the database has any."""
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
    dependencies = [("activities", "0009_invitation_reasons_seed")]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["team", "done_at", "due_at"], name="activity_team_agenda_idx"
            ),
        ),
        migrations.RunPython(analyze_new_indexes, migrations.RunPython.noop),
    ]
