# Indexes for issue #10 (reports). stagechange_report_idx: the reports read a deal's history in
# the order of its windows (deal, moment, id) and only these columns, so SQLite and PostgreSQL
# walk this index alone, without sorting the history or reading the table's rows
# (docs/benchmarks.md, "Reports at a million deals").
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0013_list_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(
                fields=[
                    "deal",
                    "changed_at",
                    "id",
                    "to_stage",
                    "from_stage",
                    "from_outcome",
                    "to_outcome",
                    "is_backward",
                    "is_estimated",
                ],
                name="stagechange_report_idx",
            ),
        ),
    ]
