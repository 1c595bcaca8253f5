"""A deal may be created without an account (issue 11); the default sales process asks for
one before the deal leaves Qualification, as a `field_filled` exit criterion."""

from django.db import migrations

DEFAULT_PIPELINE = "Sales process"
STAGE = "Qualification"
PARAMS = {"field": "account"}
LABEL = "The deal has an account"


def requirement_add(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    StageRequirement = apps.get_model("pipeline", "StageRequirement")
    stage = Stage.objects.filter(
        pipeline__name=DEFAULT_PIPELINE, name=STAGE, archived_at__isnull=True
    ).first()
    if stage is None:  # renamed or removed by an admin: leave their process alone
        return
    requirements = StageRequirement.objects.filter(stage=stage, kind="field_filled")
    if any(r.params.get("field") == "account" for r in requirements):
        return
    last = max((r.position for r in stage.requirements.all()), default=0)
    StageRequirement.objects.create(
        stage=stage, kind="field_filled", params=PARAMS, label=LABEL, position=last + 1
    )


def requirement_remove(apps, schema_editor):
    StageRequirement = apps.get_model("pipeline", "StageRequirement")
    requirements = StageRequirement.objects.filter(
        stage__pipeline__name=DEFAULT_PIPELINE, stage__name=STAGE, kind="field_filled"
    )
    for requirement in requirements:
        if requirement.params.get("field") == "account":
            requirement.delete()


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0009_deal_account_optional_stage_change_estimated")]

    operations = [migrations.RunPython(requirement_add, requirement_remove)]
