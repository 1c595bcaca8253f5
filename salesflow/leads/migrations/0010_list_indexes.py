# Indexes for issue #10 (lists): the big lists read a page's ids from an index holding the list's
# order and the access rule's columns (docs/benchmarks.md, "Lists at full scale").
from django.db import migrations, models

from salesflow.core.migration_ops import sqlite_analyze_indexes


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
        sqlite_analyze_indexes("lead_list_idx"),
    ]
