"""What the team knows around a deal: the customer's people and the competition.

Read with the deal, changed by whoever may change the deal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from salesflow.api.lookups import link_resolve
from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PatchSchema,
    choices_literal,
)
from salesflow.pipeline.models import (
    Attitude,
    Competitor,
    CompetitorStatus,
    StakeholderRole,
)
from salesflow.pipeline.selectors import (
    competitors_active,
    deal_competitors_of,
    deal_get_for_user,
    stakeholders_of,
)
from salesflow.pipeline.services import (
    competitor_create,
    deal_competitor_add,
    deal_competitor_remove,
    deal_competitor_update,
    stakeholder_add,
    stakeholder_remove,
    stakeholder_update,
)

router = Router(tags=["deals"])

RoleIn = choices_literal(StakeholderRole)
AttitudeIn = choices_literal(Attitude)
CompetitorStatusIn = choices_literal(CompetitorStatus)


class StakeholderIn(InputSchema):
    contact_id: int
    role: RoleIn
    attitude: AttitudeIn = "neutral"
    personality: str = Field("", description="Personality traits worth knowing.")
    working_style: str = Field("", description="How they work and decide.")


class StakeholderPatch(PatchSchema):
    role: RoleIn = Field(None)
    attitude: AttitudeIn = Field(None)
    personality: str = Field(None)
    working_style: str = Field(None)


class StakeholderOut(Schema):
    id: int
    deal_id: int
    contact_id: int
    contact_name: str = Field(alias="contact.full_name")
    role: str
    attitude: str
    personality: str
    working_style: str
    added_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class StakeholderList(Schema):
    items: list[StakeholderOut]
    count: int


def _stakeholder(deal: Any, stakeholder_id: int) -> Any:
    return get_object_or_404(stakeholders_of(deal), pk=stakeholder_id)


@router.get("/deals/{deal_id}/stakeholders", response={200: StakeholderList, **READ_ERRORS})
def stakeholder_list(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    """The customer's people on the deal: who decides, who influences, who blocks."""
    deal = deal_get_for_user(request.auth, deal_id)
    rows = list(stakeholders_of(deal))
    return {"items": rows, "count": len(rows)}


@router.post("/deals/{deal_id}/stakeholders", response={201: StakeholderOut, **WRITE_ERRORS})
def stakeholder_add_to(request: HttpRequest, deal_id: int, payload: StakeholderIn) -> Status[Any]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    data = payload.model_dump()
    contact = link_resolve("contact_id", data.pop("contact_id"), user=request.auth)
    return Status(201, stakeholder_add(deal, contact=contact, acting_user=request.auth, **data))


@router.patch(
    "/deals/{deal_id}/stakeholders/{stakeholder_id}",
    response={200: StakeholderOut, **WRITE_ERRORS},
)
def stakeholder_change(
    request: HttpRequest, deal_id: int, stakeholder_id: int, payload: StakeholderPatch
) -> Any:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    stakeholder = _stakeholder(deal, stakeholder_id)
    changes = payload.model_dump(exclude_unset=True)
    return stakeholder_update(stakeholder, acting_user=request.auth, **changes)


@router.delete(
    "/deals/{deal_id}/stakeholders/{stakeholder_id}", response={204: None, **WRITE_ERRORS}
)
def stakeholder_delete(request: HttpRequest, deal_id: int, stakeholder_id: int) -> Status[None]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    stakeholder_remove(_stakeholder(deal, stakeholder_id), acting_user=request.auth)
    return Status(204, None)


# Competitors ------------------------------------------------------------------------------------


class DealCompetitorIn(InputSchema):
    """Name a competitor of the shared list by id, or by name (a new name joins the list)."""

    competitor_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    strengths: str = Field("", description="Their strengths as seen on this deal.")
    weaknesses: str = Field("", description="Their weaknesses as seen on this deal.")
    counter_strategy: str = ""
    status: CompetitorStatusIn = "active"


class DealCompetitorPatch(PatchSchema):
    strengths: str = Field(None)
    weaknesses: str = Field(None)
    counter_strategy: str = Field(None)
    status: CompetitorStatusIn = Field(None)


class DealCompetitorOut(Schema):
    id: int
    deal_id: int
    competitor_id: int
    competitor_name: str = Field(alias="competitor.name")
    strengths: str
    weaknesses: str
    counter_strategy: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class DealCompetitorList(Schema):
    items: list[DealCompetitorOut]
    count: int


def _competitor(payload: DealCompetitorIn, user: Any) -> Competitor:
    if (payload.competitor_id is None) == (payload.name is None):
        message = "Give either competitor_id or name."
        raise ValidationError({"competitor_id": message, "name": message})
    if payload.competitor_id is not None:
        competitor = competitors_active().filter(pk=payload.competitor_id).first()
        if competitor is None:
            message = f"There is no competitor with id {payload.competitor_id} on the list."
            raise ValidationError({"competitor_id": message})
        return competitor
    name = payload.name.strip()
    found = Competitor.objects.filter(name__iexact=name).first()
    if found is not None and not found.is_active:
        raise ValidationError({"name": f"{found.name!r} was taken off the competitor list."})
    return found or competitor_create(name=name, acting_user=user)


def _entry(deal: Any, entry_id: int) -> Any:
    return get_object_or_404(deal_competitors_of(deal), pk=entry_id)


@router.get("/deals/{deal_id}/competitors", response={200: DealCompetitorList, **READ_ERRORS})
def deal_competitor_list(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    deal = deal_get_for_user(request.auth, deal_id)
    rows = list(deal_competitors_of(deal))
    return {"items": rows, "count": len(rows)}


@router.post("/deals/{deal_id}/competitors", response={201: DealCompetitorOut, **WRITE_ERRORS})
def deal_competitor_add_to(
    request: HttpRequest, deal_id: int, payload: DealCompetitorIn
) -> Status[Any]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    competitor = _competitor(payload, request.auth)
    data = payload.model_dump(exclude={"competitor_id", "name"})
    entry = deal_competitor_add(deal, competitor=competitor, acting_user=request.auth, **data)
    return Status(201, entry)


@router.patch(
    "/deals/{deal_id}/competitors/{entry_id}", response={200: DealCompetitorOut, **WRITE_ERRORS}
)
def deal_competitor_change(
    request: HttpRequest, deal_id: int, entry_id: int, payload: DealCompetitorPatch
) -> Any:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    return deal_competitor_update(_entry(deal, entry_id), acting_user=request.auth, **changes)


@router.delete("/deals/{deal_id}/competitors/{entry_id}", response={204: None, **WRITE_ERRORS})
def deal_competitor_delete(request: HttpRequest, deal_id: int, entry_id: int) -> Status[None]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    deal_competitor_remove(_entry(deal, entry_id), acting_user=request.auth)
    return Status(204, None)
