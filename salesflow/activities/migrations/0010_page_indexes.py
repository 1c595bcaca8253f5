# Indexes for issue #10 (pages): a manager's My day reads the team's open activities by due time
# (docs/benchmarks.md, "Pages at full scale, after").
from django.db import migrations, models

from salesflow.core.migration_ops import sqlite_analyze_indexes


class Migration(migrations.Migration):
    dependencies = [("activities", "0009_invitation_reasons_seed")]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["team", "done_at", "due_at"], name="activity_team_agenda_idx"
            ),
        ),
        sqlite_analyze_indexes("activity_team_agenda_idx"),
    ]
