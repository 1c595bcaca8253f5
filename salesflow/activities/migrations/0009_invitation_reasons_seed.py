"""The invitation reasons a new Salesflow starts with; admins rename, retire or add to them."""

from django.db import migrations

REASONS = [
    "New case study in your industry",
    "Free assessment",
    "Product launch event",
    "Webinar",
]


def seed(apps, schema_editor):
    InvitationReason = apps.get_model("activities", "InvitationReason")
    for name in REASONS:
        InvitationReason.objects.get_or_create(name=name)


def unseed(apps, schema_editor):
    InvitationReason = apps.get_model("activities", "InvitationReason")
    InvitationReason.objects.filter(name__in=REASONS, activities__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0008_invitations_and_follow_ups")]

    operations = [migrations.RunPython(seed, unseed)]
