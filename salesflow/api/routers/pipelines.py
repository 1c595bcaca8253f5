"""Pipelines, their stages and the lost reasons: configuration every signed-in user reads."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from salesflow.api.schemas import READ_ERRORS
from salesflow.pipeline.models import LostReason
from salesflow.pipeline.selectors import pipelines_with_stages

router = Router(tags=["pipelines"])


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
