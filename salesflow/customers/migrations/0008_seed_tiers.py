"""Seed the tiers accounts had before they became configurable: A (a visit every 14 days),
B (a call every 30 days), C (an email every 60 days)."""

from __future__ import annotations

from django.db import migrations

TIERS = [
    # code, name, position, contact every (days), preferred channel
    ("A", "A (key account)", 1, 14, "visit"),
    ("B", "B", 2, 30, "call"),
    ("C", "C", 3, 60, "email"),
]


def seed(apps, schema_editor):
    TierLevel = apps.get_model("customers", "TierLevel")
    for code, name, position, days, channel in TIERS:
        TierLevel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "position": position,
                "contact_every_days": days,
                "channel": channel,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_tiers_and_contact_due")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
