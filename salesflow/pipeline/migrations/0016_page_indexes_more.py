# Indexes for issue #10 point 4, session 13 (docs/benchmarks.md, "Session 13: board, My day,
# deep contact page"): the board's Won and Lost columns by close day, My day's deals needing a
# next step of one person or of a team in their order, and the open deals per stage of one
# person or of a team read from the index alone.
from django.db import migrations, models

from salesflow.core.migration_ops import sqlite_analyze_indexes

OPEN_COVERED = ["outcome", "stage", "expected_close_on", "currency", "amount"]


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0015_page_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=[
                    "pipeline",
                    "stage",
                    "closed_on",
                    "closed_at",
                    "outcome",
                    "currency",
                    "amount",
                    "stage_entered_at",
                    "owner",
                    "team",
                    "visibility",
                ],
                name="deal_board_closed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["owner", "outcome", "next_activity_at", "open_activity_count"],
                name="deal_owner_next_step_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["team", "outcome", "next_activity_at", "open_activity_count"],
                name="deal_team_next_step_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["owner", *OPEN_COVERED, "team", "visibility"], name="deal_owner_open_idx"
            ),
        ),
        # The team's open deals per stage, now with the columns the totals read.
        migrations.RemoveIndex(model_name="deal", name="deal_team_open_idx"),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["team", *OPEN_COVERED, "owner", "visibility"], name="deal_team_open_idx"
            ),
        ),
        sqlite_analyze_indexes(
            "deal_board_closed_idx",
            "deal_owner_next_step_idx",
            "deal_team_next_step_idx",
            "deal_owner_open_idx",
            "deal_team_open_idx",
        ),
    ]
