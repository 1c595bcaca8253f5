# Indexes for issue #10 (lists): the big lists read a page's ids from an index holding the list's
# order and the access rule's columns (docs/benchmarks.md, "Lists at full scale").
from django.db import migrations, models

from salesflow.core.migration_ops import sqlite_analyze_indexes


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_seed_tiers")]

    operations = [
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["name", "id", "owner", "team", "visibility"], name="account_list_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["last_name", "first_name", "id", "owner", "team", "visibility"],
                name="contact_list_idx",
            ),
        ),
        sqlite_analyze_indexes("account_list_idx", "contact_list_idx"),
    ]
