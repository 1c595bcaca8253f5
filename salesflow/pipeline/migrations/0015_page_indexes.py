# Indexes for issue #10 (pages): the board's first cards per column and its column totals, a
# manager's My day (docs/benchmarks.md, "Pages at full scale, after").
from django.db import migrations, models

NEW_INDEXES = ("deal_board_order_idx", "deal_board_totals_idx", "deal_team_open_idx")


def analyze_new_indexes(apps, schema_editor):
    """SQLite plans with the statistics ANALYZE gathered (`sqlite_stat1`) when the database has
    them; an index created afterwards has none, and the planner then misjudged it (at 100,000
    deals it walked every deal through the board's new index for My day's deals needing a next
    step: 0.4 ms became 360 ms). Gather these indexes' statistics when the database has any."""
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
    dependencies = [("pipeline", "0014_report_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["stage", "stage_entered_at", "id"], name="deal_board_order_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=[
                    "pipeline",
                    "stage",
                    "outcome",
                    "currency",
                    "amount",
                    "stage_entered_at",
                    "closed_on",
                    "closed_at",
                    "owner",
                    "team",
                    "visibility",
                ],
                name="deal_board_totals_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["team", "outcome", "stage", "expected_close_on"], name="deal_team_open_idx"
            ),
        ),
        migrations.RunPython(analyze_new_indexes, migrations.RunPython.noop),
    ]
