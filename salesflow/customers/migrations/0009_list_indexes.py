# Indexes for issue #10 (lists): placeholder created by the lead so that helpers working at the
# same time never make two leaf migrations in one app; its owner adds the operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_seed_tiers")]

    operations = []
