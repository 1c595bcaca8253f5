"""Create the default seven-step sales process and a starter list of lost reasons."""

from __future__ import annotations

from django.db import migrations

DEFAULT_PIPELINE = "Sales process"

# (name, probability %, rotting days, kind, guidance)
STAGES = [
    (
        "Prospecting",
        5,
        14,
        "open",
        "Check the prospect against the ideal customer profile and find the reason to invite "
        "them. Research the company and the person before the first contact.",
    ),
    (
        "Qualification",
        10,
        14,
        "open",
        "First contact by phone, email or social media. Record BANT: budget, authority "
        "(who decides), need and timeline. Do not spend selling time on unqualified prospects.",
    ),
    (
        "Needs assessment",
        25,
        21,
        "open",
        "Ask the scripted open questions, listen more than you talk and do not pitch yet. "
        "Play back what you heard and have the customer confirm it.",
    ),
    (
        "Presentation / demo",
        45,
        21,
        "open",
        "Find the real decision makers, agree the agenda and end time in advance, and set "
        "expectations on both sides. Show how the product solves the problems you heard. "
        "Agree a date for the proposal.",
    ),
    (
        "Proposal and objections",
        65,
        21,
        "open",
        "Send a proposal tailored to the needs and motives you learned. Record every objection "
        "and answer each one, using the shared objection library; move on only when all are "
        "answered.",
    ),
    (
        "Closing",
        85,
        14,
        "open",
        "Ask for the order. Settle terms, price and delivery details and introduce the people "
        "who take over delivery.",
    ),
    (
        "Won",
        100,
        None,
        "won",
        "Hand over to delivery, then follow up: repeat business and referrals.",
    ),
    ("Lost", 0, None, "lost", "Record why the deal was lost, so the team learns from it."),
]

LOST_REASONS = [
    "Price too high",
    "Lost to a competitor",
    "No budget",
    "No decision maker reached",
    "No real need",
    "Timing: project postponed",
    "Product does not fit",
    "Went silent",
    "Other",
]


def create_defaults(apps, schema_editor):
    Pipeline = apps.get_model("pipeline", "Pipeline")
    Stage = apps.get_model("pipeline", "Stage")
    LostReason = apps.get_model("pipeline", "LostReason")
    pipeline, created = Pipeline.objects.get_or_create(
        name=DEFAULT_PIPELINE,
        defaults={
            "is_default": not Pipeline.objects.filter(is_default=True).exists(),
            "description": "The seven-step sales process: from prospecting to closing.",
        },
    )
    if created:
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=name,
                position=position,
                probability=probability,
                rotting_days=rotting,
                kind=kind,
                guidance=guidance,
            )
            for position, (name, probability, rotting, kind, guidance) in enumerate(STAGES, 1)
        )
    for position, name in enumerate(LOST_REASONS, 1):
        LostReason.objects.get_or_create(name=name, defaults={"position": position})


def remove_defaults(apps, schema_editor):
    Pipeline = apps.get_model("pipeline", "Pipeline")
    LostReason = apps.get_model("pipeline", "LostReason")
    Pipeline.objects.filter(name=DEFAULT_PIPELINE, deals__isnull=True).delete()
    LostReason.objects.filter(name__in=LOST_REASONS, deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0002_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
