"""Seed disqualification reasons and default scoring rules; fill `company_key` on old leads."""

from django.db import migrations

from salesflow.core.normalize import company_key

REASONS = [
    "No budget",
    "No access to the decision maker",
    "No need / poor fit",
    "Not buying within a year",
    "Chose a competitor",
    "Unreachable",
    "Duplicate",
    "Spam or fake",
]

# (name, condition, threshold, points, half_life_days)
RULES = [
    ("Fits the customer profile (50%+)", "profile_fit", 50, 10, None),
    ("Strong profile fit (80%+)", "profile_fit", 80, 10, None),
    ("Budget confirmed", "budget_confirmed", None, 20, None),
    ("Talks to the decision maker", "is_decision_maker", None, 15, None),
    ("Need written down", "need_stated", None, 5, None),
    ("Pain level 4 or 5", "pain_level_gte", 4, 10, None),
    ("Buys within 90 days", "timeline_within_days", 90, 10, None),
    ("Replied to an email", "email_replied", 1, 10, 14),
    ("Meeting held", "meeting_held", 1, 15, 30),
    ("Visit held", "visit_held", 1, 15, 30),
    ("Demo requested", "demo_requested", 1, 20, 30),
    ("Filled in a web form", "form_filled", None, 5, 30),
    ("No activity in 30 days", "no_activity_days", 30, -10, None),
]


def seed(apps, schema_editor):
    DisqualificationReason = apps.get_model("leads", "DisqualificationReason")
    ScoringRule = apps.get_model("leads", "ScoringRule")
    for position, name in enumerate(REASONS):
        DisqualificationReason.objects.get_or_create(name=name, defaults={"position": position})
    if not ScoringRule.objects.exists():
        ScoringRule.objects.bulk_create(
            ScoringRule(
                name=name,
                condition=condition,
                threshold=threshold,
                points=points,
                half_life_days=half_life,
                position=position,
            )
            for position, (name, condition, threshold, points, half_life) in enumerate(RULES)
        )


def unseed(apps, schema_editor):
    DisqualificationReason = apps.get_model("leads", "DisqualificationReason")
    ScoringRule = apps.get_model("leads", "ScoringRule")
    DisqualificationReason.objects.filter(name__in=REASONS, leads__isnull=True).delete()
    ScoringRule.objects.filter(name__in=[rule[0] for rule in RULES]).delete()


def company_keys_fill(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    batch = []
    for pk, company in (
        Lead.objects.exclude(company="").values_list("pk", "company").iterator(chunk_size=2000)
    ):
        batch.append(Lead(pk=pk, company_key=company_key(company)))
        if len(batch) >= 2000:
            Lead.objects.bulk_update(batch, ["company_key"])
            batch = []
    Lead.objects.bulk_update(batch, ["company_key"])


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_capture_scoring_assignment_conversion")]

    operations = [
        migrations.RunPython(seed, unseed),
        # Backwards, the column goes away with the previous migration: nothing to undo.
        migrations.RunPython(company_keys_fill, migrations.RunPython.noop),
    ]
