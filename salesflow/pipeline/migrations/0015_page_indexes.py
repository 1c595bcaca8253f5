# Indexes for issue #10 (pages): the board's first cards per column and its column totals, a
# manager's My day (docs/benchmarks.md, "Pages at full scale, after").
from django.db import migrations, models

from salesflow.core.migration_ops import sqlite_analyze_indexes


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
        sqlite_analyze_indexes(
            "deal_board_order_idx", "deal_board_totals_idx", "deal_team_open_idx"
        ),
    ]
