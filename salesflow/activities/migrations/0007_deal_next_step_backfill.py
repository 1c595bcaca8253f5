"""Count each deal's open activities and the earliest due moment (Deal's next-step columns)."""

from django.db import migrations
from django.db.models import Count, Min, Q


def backfill(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Deal = apps.get_model("pipeline", "Deal")
    open_q = Q(done_at__isnull=True)
    rows = (
        Activity.objects.filter(deal__isnull=False, done_at__isnull=True)
        .values("deal_id")
        .annotate(open=Count("pk", filter=open_q), next_at=Min("due_at", filter=open_q))
    )
    for row in rows.iterator():
        Deal.objects.filter(pk=row["deal_id"]).update(
            open_activity_count=row["open"], next_activity_at=row["next_at"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0006_custom_values"),
        ("pipeline", "0012_deal_next_step"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
