# Indexes for issue #10 (pages): placeholder created by the lead so that helpers working at the
# same time never make two leaf migrations in one app; its owner adds the operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("activities", "0009_invitation_reasons_seed")]

    operations = []
