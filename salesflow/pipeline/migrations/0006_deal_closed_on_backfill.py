"""Closed deals get the day they closed, from the time their close was recorded."""

from django.db import migrations
from django.db.models.functions import TruncDate


def closed_on_fill(apps, schema_editor):
    Deal = apps.get_model("pipeline", "Deal")
    Deal.objects.filter(closed_at__isnull=False, closed_on__isnull=True).update(
        closed_on=TruncDate("closed_at")
    )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0005_sales_process_domain")]

    # Backwards there is nothing to undo: reversing 0005 drops the column.
    operations = [migrations.RunPython(closed_on_fill, migrations.RunPython.noop)]
