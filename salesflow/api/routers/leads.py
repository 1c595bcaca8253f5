"""Leads: people who may buy, before qualification; their score, BANT, duplicates and conversion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from salesflow.api.auth import MANAGER_ONLY
from salesflow.api.bant import bant_answers_as_read, bant_stored
from salesflow.api.lookups import link_resolve, links_resolve
from salesflow.api.schemas import (
    ADMIN_READ_ERRORS,
    AMOUNT,
    CUSTOM_FILTER_DESCRIPTION,
    CUSTOM_IN_DESCRIPTION,
    CUSTOM_OUT_DESCRIPTION,
    READ_DESCRIPTION,
    READ_ERRORS,
    WRITE_ERRORS,
    BantPatch,
    BantRead,
    InputSchema,
    OwnedOut,
    PageQuery,
    QualificationOut,
    VersionedPatch,
    VisibilityIn,
    choices_literal,
    custom_filtered,
    email_normalised,
    page,
    phone_normalised,
)
from salesflow.core.errors import AccessDenied
from salesflow.core.services import instance_save_versioned
from salesflow.customers.models import SizeBand
from salesflow.customers.selectors import contacts_visible_to
from salesflow.leads.assignment import lead_assign
from salesflow.leads.dedup import (
    DuplicateCandidate,
    lead_duplicates,
    lead_merge,
    lead_merge_into_contact,
)
from salesflow.leads.models import Channel, Grade, Lead, LeadStatus, Source
from salesflow.leads.selectors import (
    disqualification_reasons_active,
    lead_get_for_user,
    leads_filtered,
    leads_queue_for_manager,
    leads_visible_to,
)
from salesflow.leads.services import (
    lead_create,
    lead_delete,
    lead_disqualify,
    lead_qualification_record,
    lead_qualify,
    lead_update,
)
from salesflow.pipeline.conversion import lead_convert
from salesflow.users.selectors import team_tree_ids

router = Router(tags=["leads"])

SourceIn = choices_literal(Source)
ChannelIn = choices_literal(Channel)
StatusIn = choices_literal(LeadStatus)
GradeIn = choices_literal(Grade)
SizeBandIn = choices_literal(SizeBand, blank=True)

# Statuses a lead reaches only through an action, never by writing the field.
ACTION_STATUSES = (LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED)
STATUS_BY_ACTION = (
    "Qualify or disqualify a lead with POST /leads/{id}/qualification and convert it with "
    "POST /leads/{id}/convert; the status follows."
)
# The API's sort values, as the list selector names them.
SORTS = {"-created_at": "-created", "created_at": "created", "-score": "", "score": "score"}


class LeadIn(InputSchema):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
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
    source_detail: str = Field(
        "", max_length=100, description='The source as given, e.g. "Welingak Website".'
    )
    channel: ChannelIn = Field(None, description="Defaults to the source's usual channel.")
    campaign_id: int | None = None
    status: StatusIn = Field("new", description="new or working; the rest follow actions.")
    notes: str = ""
    external_id: str = Field("", max_length=100)
    owner_id: int = Field(None, description="Defaults to you.")
    visibility: VisibilityIn = "team"

    _email = email_normalised("email")
    _phone = phone_normalised("phone")


class LeadPatch(VersionedPatch):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
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
    source_detail: str = Field(None, max_length=100)
    channel: ChannelIn = Field(None)
    campaign_id: int | None = None
    status: StatusIn = Field(None, description=STATUS_BY_ACTION)
    notes: str = Field(None)
    external_id: str = Field(None, max_length=100)
    owner_id: int = Field(None)
    visibility: VisibilityIn = Field(None)

    _email = email_normalised("email")
    _phone = phone_normalised("phone")


class ScoreLineOut(Schema):
    """One rule that gave the lead points: "+20 Budget confirmed"."""

    rule: int | None = Field(None, description="The scoring rule's id.")
    name: str = ""
    category: str = ""
    points: int
    label: str = ""


class LeadOut(OwnedOut):
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_OUT_DESCRIPTION)
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
    source_detail: str
    channel: str
    campaign_id: int | None
    capture_form_id: int | None
    status: str
    notes: str
    external_id: str
    score: int
    grade: str
    fit_score: int = Field(description="0-100: how well the lead fits the ideal customer.")
    score_breakdown: list[ScoreLineOut] = Field(description="The score is the sum of the points.")
    scored_at: dt.datetime | None
    qualification: QualificationOut | None
    assigned_at: dt.datetime | None
    first_response_at: dt.datetime | None
    qualified_at: dt.datetime | None
    disqualification_reason_id: int | None
    disqualified_at: dt.datetime | None
    converted_at: dt.datetime | None
    converted_account_id: int | None
    converted_contact_id: int | None
    version: int


class DuplicateOut(Schema):
    """A lead or contact you may read that may be the same person; `score` 0-100."""

    kind: Literal["lead", "contact"]
    id: int
    name: str
    reason: str
    reasons: list[str]
    score: int


class DuplicateList(Schema):
    items: list[DuplicateOut]
    count: int


class LeadCreatedOut(LeadOut):
    duplicates: list[DuplicateOut]


class LeadList(Schema):
    items: list[LeadOut]
    count: int


class QueuedLeadOut(LeadOut):
    waiting_since: dt.datetime
    waiting_seconds: int

    @staticmethod
    def resolve_waiting_seconds(lead: Any) -> int:
        return max(int((timezone.now() - lead.waiting_since).total_seconds()), 0)


class QueuedLeadList(Schema):
    items: list[QueuedLeadOut]
    count: int


class TeamPeriodQuery(PageQuery):
    """The filters a manager narrows a deal or lead list with."""

    team_id: int | None = Field(
        None,
        description="Records of this team and of every team below it (GET /users lists "
        "people with their teams).",
    )
    created_from: dt.date | None = Field(None, description="Created on or after this day.")
    created_to: dt.date | None = Field(None, description="Created on or before this day.")
    closed_from: dt.date | None = Field(None, description="Closed on or after this day.")
    closed_to: dt.date | None = Field(None, description="Closed on or before this day.")
    industry: str | None = Field(None, max_length=100, description="The industry, any capitals.")


def team_period_filters(query: TeamPeriodQuery) -> dict[str, Any]:
    """The query's team, day and industry filters for the list selectors; an unknown team or a
    day range that ends before it starts answers 422 naming the parameter."""
    errors = []
    if query.team_id is not None and not team_tree_ids(query.team_id):
        errors.append((["query", "team_id"], f"There is no team with id {query.team_id}."))
    for name in ("created", "closed"):
        start, end = getattr(query, f"{name}_from"), getattr(query, f"{name}_to")
        if start and end and start > end:
            errors.append((["query", f"{name}_from"], f"Must be on or before {name}_to ({end})."))
    if errors:
        raise NinjaValidationError(
            [{"loc": loc, "msg": msg, "type": "value_error"} for loc, msg in errors]
        )
    return {
        "team": query.team_id,
        "created_from": query.created_from,
        "created_to": query.created_to,
        "closed_from": query.closed_from,
        "closed_to": query.closed_to,
        "industry": query.industry or "",
    }


class LeadQuery(TeamPeriodQuery):
    q: str | None = Field(None, description="Words of the name, email, phone or company.")
    closed_from: dt.date | None = Field(
        None, description="Converted (or, never converted, disqualified) on or after this day."
    )
    closed_to: dt.date | None = Field(
        None, description="Converted (or, never converted, disqualified) on or before this day."
    )
    industry: str | None = Field(
        None, max_length=100, description="The lead's industry, any capitals."
    )
    grade: GradeIn | None = None
    status: StatusIn | None = None
    source: SourceIn | None = None
    source_detail: str | None = Field(None, description="The source as given, any capitals.")
    channel: ChannelIn | None = None
    campaign_id: int | None = None
    owner_id: int | None = None
    sort: Literal["-created_at", "created_at", "-score", "score"] = "-created_at"


class LeadQualificationIn(BantPatch):
    """Record BANT answers and, in the same call, qualify or disqualify the lead."""

    status: Literal["qualified", "disqualified"] | None = Field(
        None, description="qualified: refused (409) while a BANT letter is missing."
    )
    disqualification_reason_id: int | None = Field(None, description="Needed to disqualify.")
    note: str = Field("", description="Why it was disqualified; added to the lead's notes.")
    version: int | None = None
    read: BantRead | None = Field(None, description=READ_DESCRIPTION)


class AssignIn(InputSchema):
    owner_id: int | None = Field(None, description="Defaults to you.")


class ConvertIn(InputSchema):
    pipeline_id: int | None = Field(None, description="Defaults to the default pipeline.")
    deal_name: str | None = Field(None, max_length=200)
    amount: Decimal | None = Field(None, **AMOUNT)


class ConversionOut(Schema):
    account_id: int
    contact_id: int | None
    deal_id: int


class MergeIn(InputSchema):
    """Merge another lead into this one (which is kept), or this lead into a contact."""

    duplicate_id: int | None = Field(None, description="A lead merged into this one and removed.")
    contact_id: int | None = Field(None, description="The contact this lead is the same as.")


def _duplicates(candidates: list[DuplicateCandidate]) -> list[dict[str, Any]]:
    return [
        {
            "kind": candidate.kind,
            "id": candidate.record.pk,
            "name": str(candidate.record),
            "reason": candidate.reason,
            "reasons": list(candidate.reasons),
            "score": candidate.score,
        }
        for candidate in candidates
    ]


def _lead(lead_id: int) -> Any:
    """The lead as answered after the user's own action on it: fresh, with its BANT. Not
    filtered by visibility: an assignment may just have moved it out of the user's sight."""
    return Lead.objects.select_related("qualification").get(pk=lead_id)


def _status_refuse(status: str | None) -> None:
    if status in ACTION_STATUSES:
        raise ValidationError({"status": STATUS_BY_ACTION})


@router.get(
    "/leads", response={200: LeadList, **READ_ERRORS}, description=CUSTOM_FILTER_DESCRIPTION
)
def lead_list(request: HttpRequest, query: Query[LeadQuery]) -> dict[str, Any]:
    filters = {
        "grade": query.grade,
        "status": query.status,
        "source": query.source,
        "channel": query.channel,
        "campaign_id": query.campaign_id,
        "owner_id": query.owner_id,
    }
    leads = leads_filtered(
        request.auth,
        q=query.q or "",
        sort=SORTS[query.sort],
        source_detail=query.source_detail or "",
        **team_period_filters(query),
        **{name: value for name, value in filters.items() if value is not None},
    )
    leads = custom_filtered(leads, request, "lead")
    return page(leads.select_related("qualification"), query)


@router.post("/leads", response={201: LeadCreatedOut, **WRITE_ERRORS})
def lead_add(request: HttpRequest, payload: LeadIn) -> Status[Any]:
    """Creates the lead and answers it with its score and the possible duplicates you may read."""
    _status_refuse(payload.status)
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    lead = lead_create(acting_user=request.auth, **data)
    lead.duplicates = _duplicates(lead_duplicates(lead, user=request.auth))
    return Status(201, lead)


@router.get("/leads/queue", response={200: QueuedLeadList, **ADMIN_READ_ERRORS}, auth=MANAGER_ONLY)
def lead_queue(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """Managers and admins: open leads of their teams nobody owns, or hot ones nobody has
    contacted yet; hot first, then the longest waiting."""
    user = request.auth
    if not (user.is_admin or user.is_manager):
        raise AccessDenied("Only managers and admins see the lead queue.")
    return page(leads_queue_for_manager(user).select_related("qualification"), query)


@router.get("/leads/{lead_id}", response={200: LeadOut, **READ_ERRORS})
def lead_detail(request: HttpRequest, lead_id: int) -> Any:
    return lead_get_for_user(request.auth, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **WRITE_ERRORS})
def lead_change(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    _status_refuse(payload.status)
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    version = data.pop("version", None)
    lead_update(lead, acting_user=request.auth, expected_version=version, **data)
    return _lead(lead_id)


@router.delete("/leads/{lead_id}", response={204: None, **WRITE_ERRORS})
def lead_remove(request: HttpRequest, lead_id: int) -> Status[None]:
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    lead_delete(lead, acting_user=request.auth)
    return Status(204, None)


@router.get("/leads/{lead_id}/duplicates", response={200: DuplicateList, **READ_ERRORS})
def lead_duplicate_list(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    """Leads and contacts you may read that may be the same person, best match first."""
    lead = lead_get_for_user(request.auth, lead_id)
    items = _duplicates(lead_duplicates(lead, user=request.auth))
    return {"items": items, "count": len(items)}


@router.post("/leads/{lead_id}/qualification", response={200: LeadOut, **WRITE_ERRORS})
def lead_qualification(request: HttpRequest, lead_id: int, payload: LeadQualificationIn) -> Any:
    """All or nothing: when qualifying is refused, the answers sent are not kept either. With
    `read`, an answer sent as read is not written, and one someone else changed since is
    refused (409, nothing saved)."""
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    data = payload.model_dump(exclude_unset=True, exclude={"read"})
    read = payload.read.model_dump(exclude_unset=True) if payload.read is not None else None
    status = data.pop("status", None)
    reason_id = data.pop("disqualification_reason_id", None)
    note = data.pop("note", "")
    instance_save_versioned(lead, changed=[], expected_version=data.pop("version", None))
    reason = None
    if status == LeadStatus.DISQUALIFIED:
        reason = disqualification_reasons_active().filter(pk=reason_id).first()
        if reason is None:
            message = "Choose one of the current reasons (GET /disqualification-reasons)."
            raise ValidationError({"disqualification_reason_id": message})
    with transaction.atomic():
        stored = bant_stored(lead.qualification_id)
        data = bant_answers_as_read(stored, data, read)
        if data:
            lead_qualification_record(lead, acting_user=request.auth, **data)
        if status == LeadStatus.QUALIFIED:
            lead_qualify(lead, acting_user=request.auth)
        elif status == LeadStatus.DISQUALIFIED:
            lead_disqualify(lead, reason=reason, note=note, acting_user=request.auth)
    return _lead(lead_id)


@router.post("/leads/{lead_id}/assign", response={200: LeadOut, **WRITE_ERRORS})
def lead_assign_to(request: HttpRequest, lead_id: int, payload: AssignIn | None = None) -> Any:
    """Give the lead to someone of your teams, or take it yourself."""
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    owner_id = payload.owner_id if payload is not None else None
    owner = link_resolve("owner_id", owner_id, user=request.auth)
    lead_assign(lead, owner=owner, acting_user=request.auth)
    return _lead(lead_id)


@router.post("/leads/{lead_id}/convert", response={201: ConversionOut, **WRITE_ERRORS})
def lead_convert_to_deal(
    request: HttpRequest, lead_id: int, payload: ConvertIn | None = None
) -> Status[Any]:
    """Turn a qualified lead into an account, a contact and a deal; an account and a contact
    you can read with the same company or email are reused. 409 unless the lead is qualified."""
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    data = links_resolve((payload or ConvertIn()).model_dump(), user=request.auth)
    account, contact, deal = lead_convert(lead, acting_user=request.auth, **data)
    body = {"account_id": account.pk, "contact_id": contact.pk if contact else None}
    return Status(201, {**body, "deal_id": deal.pk})


@router.post("/leads/{lead_id}/merge", response={200: LeadOut, **WRITE_ERRORS})
def lead_merge_with(request: HttpRequest, lead_id: int, payload: MergeIn) -> Any:
    """With `duplicate_id`, that lead is merged into this one and removed. With `contact_id`,
    this lead is folded into the contact and becomes converted."""
    lead = lead_get_for_user(request.auth, lead_id, write=True)
    if (payload.duplicate_id is None) == (payload.contact_id is None):
        message = "Give either duplicate_id or contact_id."
        raise ValidationError({"duplicate_id": message, "contact_id": message})
    if payload.duplicate_id is not None:
        duplicate = leads_visible_to(request.auth).filter(pk=payload.duplicate_id).first()
        if duplicate is None:
            message = f"There is no lead with id {payload.duplicate_id} that you can see."
            raise ValidationError({"duplicate_id": message})
        lead_merge(lead, duplicate, acting_user=request.auth)
    else:
        contact = contacts_visible_to(request.auth).filter(pk=payload.contact_id).first()
        if contact is None:
            message = f"There is no contact with id {payload.contact_id} that you can see."
            raise ValidationError({"contact_id": message})
        lead_merge_into_contact(lead, contact, acting_user=request.auth)
    return _lead(lead_id)
