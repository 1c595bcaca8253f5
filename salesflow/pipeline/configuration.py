"""Admin services that shape the sales process: pipelines, their stages and exit criteria.

Every pipeline keeps exactly one won and one lost stage, after its open stages, and at least
one open stage. Positions are 1..n over the active stages. A removed stage that deals ever
passed through is archived (kept for their history), otherwise deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.core.services import fields_assign
from salesflow.pipeline.criteria import requirement_params_check
from salesflow.pipeline.models import (
    Deal,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
    StageRequirement,
)
from salesflow.pipeline.transitions import transition_apply
from salesflow.users.policy import require_admin

StageSpec = str | Mapping[str, Any]

STAGE_SPEC_KEYS = {"name", "probability", "rotting_days", "guidance", "kind"}
STAGE_EDITABLE = {"name", "probability", "rotting_days", "guidance"}
PIPELINE_EDITABLE = {
    "name", "description", "is_default", "is_active", "handover_owner", "handover_team",
}  # fmt: skip
REQUIREMENT_EDITABLE = {"params", "label", "position"}
KIND_ORDER = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}


def _pipeline_lock(pipeline: Pipeline) -> Pipeline:
    """Serialise structural changes to one pipeline (SELECT ... FOR UPDATE)."""
    return Pipeline.objects.select_for_update().get(pk=pipeline.pk)


def _active_stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.active().order_by("position", "pk"))


def _renumber(stages: Iterable[Stage]) -> list[Stage]:
    """Positions 1..n in the given order, open stages first; saves only what changed."""
    ordered = sorted(stages, key=lambda stage: KIND_ORDER[stage.kind])  # stable: keeps order
    changed = []
    for position, stage in enumerate(ordered, 1):
        if stage.position != position:
            stage.position = position
            changed.append(stage)
    Stage.objects.bulk_update(changed, ["position"])  # changes the config version itself
    return ordered


def _spec(value: StageSpec) -> dict[str, Any]:
    spec = {"name": value} if isinstance(value, str) else dict(value)
    unknown = set(spec) - STAGE_SPEC_KEYS
    if unknown:
        raise ValidationError({"stages": f"Unknown stage settings: {', '.join(sorted(unknown))}."})
    spec["name"] = str(spec.get("name", "")).strip()
    if not spec["name"]:
        raise ValidationError({"stages": "Every stage needs a name."})
    spec.setdefault("kind", StageKind.OPEN)
    if spec["kind"] not in StageKind.values:
        raise ValidationError({"stages": f"Stage kind must be one of {StageKind.values}."})
    return spec


def _name_free(pipeline: Pipeline, name: str, *, exclude: Stage | None = None) -> None:
    taken = pipeline.stages.active().filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": f"Pipeline {pipeline.name!r} already has a stage {name!r}."})


@transaction.atomic
def pipeline_create(
    *,
    name: str,
    stages: Sequence[StageSpec],
    acting_user: Any,
    description: str = "",
    is_default: bool = False,
) -> Pipeline:
    """A new pipeline from stage names or dicts (name, probability, rotting_days, guidance, kind).

    Open stages keep the given order; "Won" and "Lost" stages are added when not given.
    Open stages without a probability get evenly spread ones (3 stages: 25, 50, 75).
    """
    require_admin(acting_user)
    specs = [_spec(value) for value in stages]
    names = [spec["name"].casefold() for spec in specs]
    if len(set(names)) != len(names):
        raise ValidationError({"stages": "Stage names must differ within a pipeline."})
    opened = [spec for spec in specs if spec["kind"] == StageKind.OPEN]
    if not opened:
        raise ValidationError({"stages": "Give the pipeline at least one open stage."})
    terminal = {}
    for kind, default_name, probability in (
        (StageKind.WON, "Won", 100),
        (StageKind.LOST, "Lost", 0),
    ):
        given = [spec for spec in specs if spec["kind"] == kind]
        if len(given) > 1:
            raise ValidationError({"stages": "A pipeline has exactly one won and one lost stage."})
        if not given and default_name.casefold() in names:
            raise ValidationError(
                {"stages": f"Mark the stage {default_name!r} as kind {kind!r} or rename it."}
            )
        terminal[kind] = given[0] if given else {"name": default_name, "kind": kind}
        terminal[kind].setdefault("probability", probability)
    for index, spec in enumerate(opened, 1):
        spec.setdefault("probability", round(100 * index / (len(opened) + 1)))
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline = Pipeline(name=name.strip(), description=description, is_default=is_default)
    pipeline.full_clean()
    pipeline.save()
    for position, spec in enumerate(
        [*opened, terminal[StageKind.WON], terminal[StageKind.LOST]], 1
    ):
        stage = Stage(pipeline=pipeline, position=position, **spec)
        stage.full_clean()
        stage.save()
    return pipeline


@transaction.atomic
def pipeline_update(pipeline: Pipeline, *, acting_user: Any, **changes: Any) -> Pipeline:
    """Name, description, default and active flags, and the delivery hand-over person/team."""
    require_admin(acting_user)
    pipeline = _pipeline_lock(pipeline)
    if changes.get("is_default"):
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    changed = fields_assign(pipeline, changes, allowed=PIPELINE_EDITABLE)
    if pipeline.is_default and not pipeline.is_active:
        raise ValidationError({"is_active": "The default pipeline stays active."})
    if changed:
        pipeline.full_clean()
        pipeline.save()
    return pipeline


@transaction.atomic
def stage_add(
    pipeline: Pipeline,
    *,
    name: str,
    acting_user: Any,
    probability: int | None = None,
    rotting_days: int | None = None,
    guidance: str = "",
    position: int | None = None,
) -> Stage:
    """A new open stage at `position` (1-based among open stages; default: the last one).

    Without a probability it gets the midpoint of its neighbours'.
    """
    require_admin(acting_user)
    pipeline = _pipeline_lock(pipeline)
    name = name.strip()
    _name_free(pipeline, name)
    stages = _active_stages(pipeline)
    opened = [stage for stage in stages if stage.kind == StageKind.OPEN]
    index = len(opened) if position is None else position - 1
    if not 0 <= index <= len(opened):
        raise ValidationError({"position": f"Choose a position from 1 to {len(opened) + 1}."})
    if probability is None:
        before = opened[index - 1].probability if index > 0 else 0
        after = opened[index].probability if index < len(opened) else 100
        probability = (before + after) // 2
    stage = Stage(
        pipeline=pipeline,
        name=name,
        probability=probability,
        rotting_days=rotting_days,
        guidance=guidance,
        kind=StageKind.OPEN,
        position=index + 1,
    )
    stage.full_clean()
    stage.save()
    opened.insert(index, stage)
    _renumber([*opened, *(stage for stage in stages if stage.kind != StageKind.OPEN)])
    return stage


@transaction.atomic
def stage_update(stage: Stage, *, acting_user: Any, **changes: Any) -> Stage:
    """Change a stage's name, probability (0..100), rotting days or guidance."""
    require_admin(acting_user)
    if stage.is_archived:
        raise ValidationError({"stage": f"Stage {stage.name!r} was removed."})
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        _name_free(stage.pipeline, changes["name"], exclude=stage)
    changed = fields_assign(stage, changes, allowed=STAGE_EDITABLE)
    if changed:
        stage.full_clean()
        stage.save(update_fields=changed)
    return stage


def stage_rename(stage: Stage, *, name: str, acting_user: Any) -> Stage:
    return stage_update(stage, acting_user=acting_user, name=name)


@transaction.atomic
def stages_reorder(
    pipeline: Pipeline, ordered_ids: Sequence[int], *, acting_user: Any
) -> list[Stage]:
    """Put the stages in the given order: the ids of the open stages (won and lost stay last),
    or of every stage with the won and lost ones after the open ones."""
    require_admin(acting_user)
    pipeline = _pipeline_lock(pipeline)
    stages = {stage.pk: stage for stage in _active_stages(pipeline)}
    open_ids = {pk for pk, stage in stages.items() if stage.kind == StageKind.OPEN}
    ids = [int(pk) for pk in ordered_ids]
    if len(set(ids)) != len(ids) or set(ids) not in (open_ids, set(stages)):
        raise ValidationError({"stages": "List every stage of the pipeline exactly once."})
    if any(stages[pk].kind != StageKind.OPEN for pk in ids[: len(open_ids)]):
        raise ValidationError({"stages": "The won and lost stages stay after the open ones."})
    rest = [stage for pk, stage in stages.items() if pk not in ids]
    return _renumber([*(stages[pk] for pk in ids), *rest])


@transaction.atomic
def stage_remove(stage: Stage, *, acting_user: Any, move_deals_to: Stage | None = None) -> int:
    """Remove an open stage; its deals (open or suspended) move to `move_deals_to` first.

    Refused while the stage holds deals and no target is given, for the won and lost stages,
    and for the last open stage. Each moved deal gets a StageChange. Returns how many moved.
    """
    require_admin(acting_user)
    _pipeline_lock(stage.pipeline)
    stage = Stage.objects.select_related("pipeline").get(pk=stage.pk)
    if stage.is_archived:
        raise ValidationError({"stage": f"Stage {stage.name!r} was already removed."})
    if stage.is_terminal:
        raise DomainError(
            f"A pipeline keeps exactly one won and one lost stage; {stage.name!r} stays."
        )
    pipeline = stage.pipeline
    if pipeline.stages.active().filter(kind=StageKind.OPEN).count() == 1:
        raise DomainError("A pipeline needs at least one open stage.")
    deals = list(
        Deal.objects.select_for_update(of=("self",))
        .filter(stage=stage)
        .select_related("stage", "lost_reason")
        .order_by("pk")
    )
    if deals and move_deals_to is None:
        count = f"{len(deals)} deal" + ("s" if len(deals) != 1 else "")
        message = f"Stage {stage.name!r} still holds {count}; choose a stage to move them to."
        raise DomainError(message, missing=[{"code": "stage_has_deals", "message": message}])
    if move_deals_to is not None and (
        move_deals_to.pipeline_id != pipeline.pk
        or move_deals_to.pk == stage.pk
        or move_deals_to.is_terminal
        or move_deals_to.is_archived
    ):
        raise ValidationError({"move_deals_to": "Choose another open stage of the same pipeline."})
    for deal in deals:
        transition_apply(
            deal,
            acting_user=acting_user,
            to_stage=move_deals_to,
            outcome=deal.outcome,
            lost_reason=deal.lost_reason,
            note=f"Stage {stage.name!r} was removed.",
        )
    has_history = StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
    removed = False
    if not has_history:
        try:
            with transaction.atomic():
                stage.delete()
            removed = True
        except ProtectedError:
            removed = False
    if not removed:
        stage.archived_at = timezone.now()
        stage.save(update_fields=["archived_at"])
    _renumber(_active_stages(pipeline))
    return len(deals)


@transaction.atomic
def stage_requirement_add(
    stage: Stage,
    *,
    kind: str,
    acting_user: Any,
    params: dict[str, Any] | None = None,
    label: str = "",
    position: int | None = None,
) -> StageRequirement:
    """An exit criterion for leaving `stage`; `kind` must be registered (see criteria.py)."""
    require_admin(acting_user)
    params = {} if params is None else params
    requirement_params_check(kind, params)
    if position is None:
        position = stage.requirements.count() + 1
    requirement = StageRequirement(
        stage=stage, kind=kind, params=params, label=label.strip(), position=position
    )
    requirement.full_clean()
    requirement.save()
    return requirement


@transaction.atomic
def stage_requirement_update(
    requirement: StageRequirement, *, acting_user: Any, **changes: Any
) -> StageRequirement:
    require_admin(acting_user)
    if "params" in changes:
        requirement_params_check(requirement.kind, changes["params"])
    changed = fields_assign(requirement, changes, allowed=REQUIREMENT_EDITABLE)
    if changed:
        requirement.full_clean()
        requirement.save(update_fields=changed)
    return requirement


@transaction.atomic
def stage_requirement_remove(requirement: StageRequirement, *, acting_user: Any) -> None:
    require_admin(acting_user)
    requirement.delete()


@transaction.atomic
def stage_requirements_reorder(
    stage: Stage, ordered_ids: Sequence[int], *, acting_user: Any
) -> list[StageRequirement]:
    require_admin(acting_user)
    requirements = {requirement.pk: requirement for requirement in stage.requirements.all()}
    ids = [int(pk) for pk in ordered_ids]
    if sorted(ids) != sorted(requirements):
        raise ValidationError({"requirements": "List every requirement of the stage once."})
    ordered = [requirements[pk] for pk in ids]
    for position, requirement in enumerate(ordered, 1):
        requirement.position = position
    StageRequirement.objects.bulk_update(ordered, ["position"])  # changes the config version
    return ordered
