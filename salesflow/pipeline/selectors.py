from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from salesflow.core.errors import AccessDenied
from salesflow.pipeline.models import Deal, Pipeline, Stage
from salesflow.users import policy


def deals_visible_to(user: Any) -> QuerySet[Deal]:
    return Deal.objects.filter(policy.readable_q(user))


def deal_get_for_user(user: Any, pk: int, *, write: bool = False) -> Deal:
    deal = get_object_or_404(
        deals_visible_to(user).select_related(
            "account", "primary_contact", "owner", "team", "pipeline", "stage", "lost_reason"
        ),
        pk=pk,
    )
    if write and not policy.can_write(user, deal):
        raise AccessDenied("You may see this deal but not change it.")
    return deal


def pipelines_with_stages() -> QuerySet[Pipeline]:
    """Pipelines are configuration, readable by every signed-in user."""
    return Pipeline.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position"))
    )


def pipeline_default() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is None:
        raise Pipeline.DoesNotExist("No pipeline is configured.")
    return pipeline


def stage_first_open(pipeline: Pipeline) -> Stage:
    return (
        pipeline.stages.filter(kind="open").order_by("position").first()
        or pipeline.stages.order_by("position").first()
    )


def stage_of_kind(pipeline: Pipeline, kind: str) -> Stage | None:
    return pipeline.stages.filter(kind=kind).order_by("position").first()


def stage_resolve(pipeline: Pipeline, value: int | str) -> Stage | None:
    """A stage of the pipeline given by id or (case-insensitive) name."""
    stages = pipeline.stages.all()
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return stages.filter(pk=int(value)).first()
    return stages.filter(name__iexact=str(value).strip()).first()
