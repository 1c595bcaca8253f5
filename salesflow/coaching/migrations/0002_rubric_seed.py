"""The starting rubric managers score calls on; admins change it in Settings → Call rubric."""

from __future__ import annotations

from django.db import migrations

CRITERIA = [
    ("Needs discovered", "Open questions uncovered the customer's situation, problems and what "
     "solving them would change."),
    ("Listened more than talked", "The customer did most of the talking; the rep did not pitch "
     "before understanding the need."),
    ("Played back what was heard", "The rep repeated the customer's needs in their own words "
     "and checked they had understood."),
    ("Objections handled", "Doubts were drawn out and answered, not skipped."),
    ("Next step agreed", "The call ended with a concrete next step and a time the customer "
     "accepted."),
]  # fmt: skip


def seed(apps, schema_editor):
    RubricCriterion = apps.get_model("coaching", "RubricCriterion")
    if RubricCriterion.objects.exists():
        return
    RubricCriterion.objects.bulk_create(
        RubricCriterion(label=label, description=description, position=(index + 1) * 10)
        for index, (label, description) in enumerate(CRITERIA)
    )


def unseed(apps, schema_editor):
    RubricCriterion = apps.get_model("coaching", "RubricCriterion")
    RubricCriterion.objects.filter(label__in=[label for label, _ in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_call_records_and_reviews")]

    operations = [migrations.RunPython(seed, unseed)]
