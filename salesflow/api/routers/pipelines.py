"""Pipelines, their stages, exit criteria and the lost reasons: configuration every signed-in
user reads and admins change."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import ADMIN_ONLY
from salesflow.api.lookups import links_resolve, teams_all, users_active
from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PatchSchema,
    choices_literal,
)
from salesflow.pipeline.criteria import requirement_label
from salesflow.pipeline.models import LostReason, Pipeline, Stage, StageKind, StageRequirement
from salesflow.pipeline.selectors import pipelines_with_stages, stage_requirements_of
from salesflow.pipeline.services import (
    pipeline_create,
    pipeline_update,
    stage_add,
    stage_remove,
    stage_requirement_add,
    stage_requirement_remove,
    stage_update,
    stages_reorder,
)
from salesflow.users.policy import require_admin

router = Router(tags=["pipelines"])

StageKindIn = choices_literal(StageKind)
HANDOVER_LINKS = {"handover_owner_id": users_active, "handover_team_id": teams_all}


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    rotting_days: int | None
    kind: str
    guidance: str


class PipelineOut(Schema):
    id: int
    name: str
    description: str
    is_default: bool
    is_active: bool
    handover_owner_id: int | None
    handover_team_id: int | None
    stages: list[StageOut]


class PipelineList(Schema):
    items: list[PipelineOut]
    count: int


class LostReasonOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool


class LostReasonList(Schema):
    items: list[LostReasonOut]
    count: int


@router.get("/pipelines", response={200: PipelineList, **READ_ERRORS})
def pipeline_list(request: HttpRequest) -> dict[str, Any]:
    pipelines = list(pipelines_with_stages().order_by("-is_default", "name", "pk"))
    return {"items": pipelines, "count": len(pipelines)}


@router.get("/pipelines/{pipeline_id}", response={200: PipelineOut, **READ_ERRORS})
def pipeline_detail(request: HttpRequest, pipeline_id: int) -> Any:
    return get_object_or_404(pipelines_with_stages(), pk=pipeline_id)


@router.get("/lost-reasons", response={200: LostReasonList, **READ_ERRORS})
def lost_reason_list(request: HttpRequest, active: bool | None = None) -> dict[str, Any]:
    """Every reason, retired ones too (old deals name them); `active=true` for the pick list."""
    reasons = LostReason.objects.order_by("position", "name", "pk")
    if active is not None:
        reasons = reasons.filter(is_active=active)
    reasons = list(reasons)
    return {"items": reasons, "count": len(reasons)}


# Admins: pipelines and stages -------------------------------------------------------------------


class StageSpecIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    probability: int | None = Field(None, ge=0, le=100, description="Spread evenly when left out.")
    rotting_days: int | None = Field(None, ge=1, le=3650)
    guidance: str = ""
    kind: StageKindIn = "open"


class PipelineIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    is_default: bool = False
    stages: list[str | StageSpecIn] = Field(
        min_length=1,
        description="Open stages in order, by name or in full; Won and Lost are added if missing.",
    )


class PipelinePatch(PatchSchema):
    name: str = Field(None, min_length=1, max_length=100)
    description: str = Field(None)
    is_default: bool = Field(None)
    is_active: bool = Field(None)
    handover_owner_id: int | None = Field(None, description="Who takes over won deals.")
    handover_team_id: int | None = Field(None, description="Whose queue gets the hand-over.")


class StageIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    probability: int | None = Field(None, ge=0, le=100, description="Between its neighbours'.")
    rotting_days: int | None = Field(None, ge=1, le=3650)
    guidance: str = ""
    position: int | None = Field(None, ge=1, description="Among the open stages; default last.")


class StagePatch(PatchSchema):
    name: str = Field(None, min_length=1, max_length=100)
    probability: int = Field(None, ge=0, le=100)
    rotting_days: int | None = Field(None, ge=1, le=3650)
    guidance: str = Field(None)


class ReorderIn(InputSchema):
    stage_ids: list[int] = Field(
        description="The open stages in their new order (or every stage, won and lost last)."
    )


def _pipeline(pipeline_id: int) -> Any:
    return get_object_or_404(pipelines_with_stages(), pk=pipeline_id)


def _stage(stage_id: int) -> Stage:
    return get_object_or_404(Stage.objects.active().select_related("pipeline"), pk=stage_id)


@router.post("/pipelines", response={201: PipelineOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def pipeline_add(request: HttpRequest, payload: PipelineIn) -> Status[Any]:
    stages = [
        stage if isinstance(stage, str) else stage.model_dump(exclude_none=True)
        for stage in payload.stages
    ]
    pipeline = pipeline_create(
        name=payload.name,
        description=payload.description,
        is_default=payload.is_default,
        stages=stages,
        acting_user=request.auth,
    )
    return Status(201, _pipeline(pipeline.pk))


@router.patch(
    "/pipelines/{pipeline_id}", response={200: PipelineOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def pipeline_change(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> Any:
    require_admin(request.auth)
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=HANDOVER_LINKS
    )
    pipeline_update(pipeline, acting_user=request.auth, **data)
    return _pipeline(pipeline_id)


@router.post(
    "/pipelines/{pipeline_id}/stages", response={201: StageOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def stage_add_to(request: HttpRequest, pipeline_id: int, payload: StageIn) -> Status[Any]:
    """A new open stage; the won and lost stages stay last."""
    require_admin(request.auth)
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    return Status(201, stage_add(pipeline, acting_user=request.auth, **payload.model_dump()))


@router.post(
    "/pipelines/{pipeline_id}/stages/reorder",
    response={200: PipelineOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def stage_reorder(request: HttpRequest, pipeline_id: int, payload: ReorderIn) -> Any:
    require_admin(request.auth)
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    try:
        stages_reorder(pipeline, payload.stage_ids, acting_user=request.auth)
    except ValidationError as exc:
        raise ValidationError({"stage_ids": exc.messages}) from exc
    return _pipeline(pipeline_id)


@router.patch("/stages/{stage_id}", response={200: StageOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def stage_change(request: HttpRequest, stage_id: int, payload: StagePatch) -> Any:
    require_admin(request.auth)
    stage = _stage(stage_id)
    return stage_update(stage, acting_user=request.auth, **payload.model_dump(exclude_unset=True))


@router.delete("/stages/{stage_id}", response={204: None, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def stage_delete(
    request: HttpRequest, stage_id: int, move_deals_to: int | None = None
) -> Status[None]:
    """Remove an open stage. While it holds deals, name an open stage of the same pipeline to
    move them to (`move_deals_to`), or the answer is 409."""
    require_admin(request.auth)
    stage = _stage(stage_id)
    target = None
    if move_deals_to is not None:
        target = Stage.objects.active().filter(pk=move_deals_to).first()
        if target is None:
            raise ValidationError({"move_deals_to": f"There is no stage with id {move_deals_to}."})
    stage_remove(stage, acting_user=request.auth, move_deals_to=target)
    return Status(204, None)


# Exit criteria ----------------------------------------------------------------------------------


class RequirementIn(InputSchema):
    kind: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,49}$",
        description="bant_recorded, decision_maker, field_filled, checklist, "
        "assessment_answered, no_open_objection, quote_sent, ...",
    )
    params: dict[str, Any] = Field(default_factory=dict, description='e.g. {"field": "amount"}')
    label: str = Field("", max_length=200, description="Shown to reps; the check's own if blank.")
    position: int | None = Field(None, ge=0, le=32767)


class RequirementOut(Schema):
    """An exit criterion: what a deal needs before it may leave the stage forward."""

    id: int
    stage_id: int
    kind: str
    params: dict[str, Any]
    label: str
    position: int

    @staticmethod
    def resolve_label(requirement: StageRequirement) -> str:
        return requirement_label(requirement)


class RequirementList(Schema):
    items: list[RequirementOut]
    count: int


@router.get("/stages/{stage_id}/requirements", response={200: RequirementList, **READ_ERRORS})
def requirement_list(request: HttpRequest, stage_id: int) -> dict[str, Any]:
    requirements = list(stage_requirements_of(_stage(stage_id)))
    return {"items": requirements, "count": len(requirements)}


@router.post(
    "/stages/{stage_id}/requirements",
    response={201: RequirementOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def requirement_add(request: HttpRequest, stage_id: int, payload: RequirementIn) -> Status[Any]:
    require_admin(request.auth)
    stage = _stage(stage_id)
    return Status(
        201, stage_requirement_add(stage, acting_user=request.auth, **payload.model_dump())
    )


@router.delete(
    "/requirements/{requirement_id}", response={204: None, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def requirement_remove(request: HttpRequest, requirement_id: int) -> Status[None]:
    require_admin(request.auth)
    requirement = get_object_or_404(StageRequirement, pk=requirement_id)
    stage_requirement_remove(requirement, acting_user=request.auth)
    return Status(204, None)
