"""Exit criteria of the default sales process (steps 2 to 5).

The checks are registered by kind: `bant_recorded` and `decision_maker` by the pipeline app,
`assessment_answered`, `checklist` and `no_open_objection` by the playbooks app, `quote_sent`
by the quotes app. Until an app is installed, its requirement reports itself as missing.
"""

from django.db import migrations

DEFAULT_PIPELINE = "Sales process"

# stage name -> [(kind, label)]
REQUIREMENTS = {
    "Qualification": [
        ("bant_recorded", "BANT recorded: budget, authority, need and timeline"),
    ],
    "Needs assessment": [
        ("assessment_answered", "Assessment questions answered and confirmed by the customer"),
    ],
    "Presentation / demo": [
        ("decision_maker", "The decision maker is known"),
        ("checklist", "Presentation prepared: agenda, end time, expectations, decision makers"),
    ],
    "Proposal and objections": [
        ("quote_sent", "A quote has been sent"),
        ("no_open_objection", "Every objection is answered"),
    ],
}


def requirements_create(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    StageRequirement = apps.get_model("pipeline", "StageRequirement")
    for stage_name, requirements in REQUIREMENTS.items():
        stage = Stage.objects.filter(
            pipeline__name=DEFAULT_PIPELINE, name=stage_name, archived_at__isnull=True
        ).first()
        if stage is None:  # renamed or removed by an admin: leave their process alone
            continue
        for position, (kind, label) in enumerate(requirements, 1):
            StageRequirement.objects.get_or_create(
                stage=stage, kind=kind, defaults={"label": label, "position": position}
            )


def requirements_remove(apps, schema_editor):
    StageRequirement = apps.get_model("pipeline", "StageRequirement")
    for stage_name, requirements in REQUIREMENTS.items():
        StageRequirement.objects.filter(
            stage__pipeline__name=DEFAULT_PIPELINE,
            stage__name=stage_name,
            kind__in=[kind for kind, _ in requirements],
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0006_deal_closed_on_backfill")]

    operations = [migrations.RunPython(requirements_create, requirements_remove)]
