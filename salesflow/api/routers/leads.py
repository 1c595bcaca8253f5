"""Leads: people who may buy, before qualification."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.lookups import links_resolve
from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    OwnedOut,
    PageQuery,
    VersionedPatch,
    VisibilityIn,
    choices_literal,
    email_normalised,
    filtered,
    page,
    phone_normalised,
)
from salesflow.customers.models import SizeBand
from salesflow.leads.models import Channel, LeadStatus, Source
from salesflow.leads.selectors import lead_get_for_user, leads_visible_to
from salesflow.leads.services import lead_create, lead_delete, lead_update

router = Router(tags=["leads"])

SourceIn = choices_literal(Source)
ChannelIn = choices_literal(Channel)
StatusIn = choices_literal(LeadStatus)
# A lead becomes converted only by converting it, never by being created so.
NewStatusIn = choices_literal(LeadStatus, exclude=(LeadStatus.CONVERTED,))
SizeBandIn = choices_literal(SizeBand, blank=True)


class LeadIn(InputSchema):
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    title: str = Field("", max_length=150)
    email: str = ""
    phone: str = ""
    company: str = Field("", max_length=200)
    industry: str = Field("", max_length=100)
    size_band: SizeBandIn = ""
    region: str = Field("", max_length=100)
    website: str = Field("", max_length=200)
    source: SourceIn
    channel: ChannelIn = Field(None, description="Defaults to the source's usual channel.")
    campaign_id: int | None = None
    status: NewStatusIn = "new"
    notes: str = ""
    external_id: str = Field("", max_length=100)
    owner_id: int = Field(None, description="Defaults to you.")
    visibility: VisibilityIn = "team"

    _email = email_normalised("email")
    _phone = phone_normalised("phone")


class LeadPatch(VersionedPatch):
    first_name: str = Field(None, max_length=100)
    last_name: str = Field(None, max_length=100)
    title: str = Field(None, max_length=150)
    email: str = Field(None)
    phone: str = Field(None)
    company: str = Field(None, max_length=200)
    industry: str = Field(None, max_length=100)
    size_band: SizeBandIn = Field(None)
    region: str = Field(None, max_length=100)
    website: str = Field(None, max_length=200)
    source: SourceIn = Field(None)
    channel: ChannelIn = Field(None)
    campaign_id: int | None = None
    status: StatusIn = Field(None)
    notes: str = Field(None)
    external_id: str = Field(None, max_length=100)
    owner_id: int = Field(None)
    visibility: VisibilityIn = Field(None)

    _email = email_normalised("email")
    _phone = phone_normalised("phone")


class LeadOut(OwnedOut):
    display_name: str
    first_name: str
    last_name: str
    title: str
    email: str
    phone: str
    company: str
    industry: str
    size_band: str
    region: str
    website: str
    source: str
    channel: str
    campaign_id: int | None
    status: str
    notes: str
    external_id: str
    version: int


class LeadList(Schema):
    items: list[LeadOut]
    count: int


class LeadQuery(PageQuery):
    q: str | None = Field(None, description="Part of the name, email or company.")
    status: StatusIn | None = None
    source: SourceIn | None = None
    channel: ChannelIn | None = None
    campaign_id: int | None = None
    owner_id: int | None = None


@router.get("/leads", response={200: LeadList, **READ_ERRORS})
def lead_list(request: HttpRequest, query: Query[LeadQuery]) -> dict[str, Any]:
    leads = leads_visible_to(request.auth)
    if query.q:
        leads = leads.filter(
            Q(first_name__icontains=query.q)
            | Q(last_name__icontains=query.q)
            | Q(email__icontains=query.q)
            | Q(company__icontains=query.q)
        )
    leads = filtered(
        leads,
        status=query.status,
        source=query.source,
        channel=query.channel,
        campaign_id=query.campaign_id,
        owner_id=query.owner_id,
    )
    return page(leads.order_by("-created_at", "-pk"), query)


@router.post("/leads", response={201: LeadOut, **WRITE_ERRORS})
def lead_add(request: HttpRequest, payload: LeadIn) -> Status[Any]:
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    return Status(201, lead_create(acting_user=request.auth, **data))


@router.get("/leads/{lead_id}", response={200: LeadOut, **READ_ERRORS})
def lead_detail(request: HttpRequest, lead_id: int) -> Any:
    return lead_get_for_user(request.auth, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **WRITE_ERRORS})
def lead_change(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    version = data.pop("version", None)
    return lead_update(lead, acting_user=request.auth, expected_version=version, **data)


@router.delete("/leads/{lead_id}", response={204: None, **WRITE_ERRORS})
def lead_remove(request: HttpRequest, lead_id: int) -> Status[None]:
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    lead_delete(lead, acting_user=request.auth)
    return Status(204, None)
