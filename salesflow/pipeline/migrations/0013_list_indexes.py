# Indexes for issue #10 (lists): the big lists read a page's ids from an index holding the list's
# order and the access rule's columns (docs/benchmarks.md, "Lists at full scale").
from django.db import migrations, models

from salesflow.core.migration_ops import sqlite_analyze_indexes


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0012_deal_next_step")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["created_at", "id", "owner", "team", "visibility"], name="deal_list_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["account", "owner", "team", "visibility"], name="deal_account_access_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["primary_contact", "owner", "team", "visibility"],
                name="deal_contact_access_idx",
            ),
        ),
        sqlite_analyze_indexes(
            "deal_list_idx", "deal_account_access_idx", "deal_contact_access_idx"
        ),
    ]
