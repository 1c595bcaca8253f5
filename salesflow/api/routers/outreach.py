"""Customer communications: segments, templates, email campaigns, bounces, a single email."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import EmailStr, Field

from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    OwnedOut,
    PageQuery,
    VisibilityIn,
    choices_literal,
    page,
)
from salesflow.customers.selectors import contact_get_for_user
from salesflow.outreach import services
from salesflow.outreach.models import MailingKind, RecipientStatus
from salesflow.outreach.segments import segment_members
from salesflow.outreach.selectors import (
    mailing_counts,
    mailing_get_for_user,
    mailings_visible_to,
    recipients_of,
    segment_get_for_user,
    segments_visible_to,
    template_get_for_user,
    templates_visible_to,
)
from salesflow.pipeline.selectors import deals_visible_to

router = Router(tags=["outreach"])

KindIn = choices_literal(MailingKind)
RecipientStatusIn = choices_literal(RecipientStatus)
SAMPLE_SIZE = 10


def _visible(queryset: Any, pk: int | None, field: str) -> Any:
    """The record among those the user may read, or 422 naming the field (never 404, so input
    cannot probe for hidden records)."""
    if pk is None:
        return None
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise ValidationError({field: f"There is no such record with id {pk}."})
    return record


# ---------------------------------------------------------------- segments


class SegmentFilters(InputSchema):
    industry: list[str] | None = None
    region: list[str] | None = None
    size_band: list[str] | None = None
    tier: list[str] | None = None
    owner_id: int | None = None
    team_id: int | None = None
    has_consent: bool | None = None
    custom: dict[str, Any] | None = Field(
        None, description='Contact custom-field filters: {"custom.<key>[__gte|__lte]": value}.'
    )
    account_custom: dict[str, Any] | None = Field(
        None, description="The same over the account's custom fields."
    )
    contact_ids: list[int] | None = Field(
        None, description="Explicit members (the lists' 'Add to segment'), whatever else."
    )
    account_ids: list[int] | None = Field(
        None, description="The contacts of these accounts, as explicit members."
    )


class SegmentIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    filters: SegmentFilters = Field(default_factory=SegmentFilters)
    visibility: VisibilityIn = "team"


class SegmentOut(OwnedOut):
    name: str
    description: str
    filters: dict[str, Any]


class SegmentList(Schema):
    items: list[SegmentOut]
    count: int


class ContactBrief(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    account_id: int | None
    has_consent: bool
    do_not_contact: bool


class SegmentPreview(Schema):
    count: int = Field(description="The segment's contacts you may read.")
    sample: list[ContactBrief]


@router.get("/segments", response={200: SegmentList, **READ_ERRORS})
def segment_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return page(segments_visible_to(request.auth).order_by("name", "pk"), query)


@router.post("/segments", response={201: SegmentOut, **WRITE_ERRORS})
def segment_add(request: HttpRequest, payload: SegmentIn) -> Status[Any]:
    data = payload.model_dump()
    data["filters"] = payload.filters.model_dump(exclude_none=True)
    return Status(201, services.segment_create(acting_user=request.auth, **data))


@router.get("/segments/{segment_id}", response={200: SegmentOut, **READ_ERRORS})
def segment_detail(request: HttpRequest, segment_id: int) -> Any:
    return segment_get_for_user(request.auth, segment_id)


class SegmentPatch(InputSchema):
    """Only the given fields change; `filters`, when given, replaces the whole filter."""

    name: str = Field(None, min_length=1, max_length=200)
    description: str = Field(None)
    filters: SegmentFilters = Field(None)
    visibility: VisibilityIn = Field(None)


@router.patch("/segments/{segment_id}", response={200: SegmentOut, **WRITE_ERRORS})
def segment_change(request: HttpRequest, segment_id: int, payload: SegmentPatch) -> Any:
    segment = segment_get_for_user(request.auth, segment_id, write=True)
    data = payload.model_dump(exclude_unset=True)
    if "filters" in data:
        data["filters"] = payload.filters.model_dump(exclude_none=True)
    return services.segment_update(segment, acting_user=request.auth, **data)


@router.get("/segments/{segment_id}/preview", response={200: SegmentPreview, **READ_ERRORS})
def segment_preview(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    segment = segment_get_for_user(request.auth, segment_id)
    members = segment_members(request.auth, segment.filters)
    return {"count": members.count(), "sample": list(members[:SAMPLE_SIZE])}


# ---------------------------------------------------------------- templates


class TemplateIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=200)
    body_text: str = Field(min_length=1)
    body_html: str = ""
    visibility: VisibilityIn = "team"


class TemplateOut(OwnedOut):
    name: str
    subject: str
    body_text: str
    body_html: str


class TemplateList(Schema):
    items: list[TemplateOut]
    count: int


@router.get("/email-templates", response={200: TemplateList, **READ_ERRORS})
def template_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return page(templates_visible_to(request.auth).order_by("name", "pk"), query)


@router.post("/email-templates", response={201: TemplateOut, **WRITE_ERRORS})
def template_add(request: HttpRequest, payload: TemplateIn) -> Status[Any]:
    return Status(201, services.template_create(acting_user=request.auth, **payload.model_dump()))


@router.get("/email-templates/{template_id}", response={200: TemplateOut, **READ_ERRORS})
def template_detail(request: HttpRequest, template_id: int) -> Any:
    return template_get_for_user(request.auth, template_id)


class TemplatePatch(InputSchema):
    """Only the given fields change (merge fields checked as on create)."""

    name: str = Field(None, min_length=1, max_length=200)
    subject: str = Field(None, min_length=1, max_length=200)
    body_text: str = Field(None, min_length=1)
    body_html: str = Field(None)
    visibility: VisibilityIn = Field(None)


@router.patch("/email-templates/{template_id}", response={200: TemplateOut, **WRITE_ERRORS})
def template_change(request: HttpRequest, template_id: int, payload: TemplatePatch) -> Any:
    template = template_get_for_user(request.auth, template_id, write=True)
    data = payload.model_dump(exclude_unset=True)
    return services.template_update(template, acting_user=request.auth, **data)


# ---------------------------------------------------------------- email campaigns


class MailingIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    kind: KindIn
    template_id: int
    segment_id: int
    visibility: VisibilityIn = "team"


class Counts(Schema):
    total: int
    pending: int
    sending: int
    sent: int
    skipped: int
    failed: int
    bounced: int
    skipped_by_reason: dict[str, int]


class MailingOut(OwnedOut):
    name: str
    kind: str
    status: str
    template_id: int
    segment_id: int
    sent_by_id: int | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    paused_at: dt.datetime | None
    next_batch_at: dt.datetime | None
    last_error: str


class MailingDetailOut(MailingOut):
    counts: Counts


class MailingList(Schema):
    items: list[MailingOut]
    count: int


class RecipientOut(Schema):
    id: int
    contact_id: int
    email: str
    status: str
    reason: str
    error: str
    sent_at: dt.datetime | None
    bounced_at: dt.datetime | None


class RecipientList(Schema):
    items: list[RecipientOut]
    count: int


class RecipientQuery(PageQuery):
    status: RecipientStatusIn | None = None


class BouncesIn(InputSchema):
    emails: list[EmailStr] = Field(min_length=1, max_length=10_000)


class BouncesOut(Schema):
    bounced: int = Field(description="Sent rows now marked bounced.")


def _detail(mailing: Any) -> Any:
    mailing.counts = mailing_counts(mailing)
    return mailing


@router.get("/email-campaigns", response={200: MailingList, **READ_ERRORS})
def mailing_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return page(mailings_visible_to(request.auth), query)


@router.post("/email-campaigns", response={201: MailingDetailOut, **WRITE_ERRORS})
def mailing_add(request: HttpRequest, payload: MailingIn) -> Status[Any]:
    data = payload.model_dump()
    data["template"] = _visible(
        templates_visible_to(request.auth), data.pop("template_id"), "template_id"
    )
    data["segment"] = _visible(
        segments_visible_to(request.auth), data.pop("segment_id"), "segment_id"
    )
    return Status(201, _detail(services.mailing_create(acting_user=request.auth, **data)))


@router.get("/email-campaigns/{campaign_id}", response={200: MailingDetailOut, **READ_ERRORS})
def mailing_detail(request: HttpRequest, campaign_id: int) -> Any:
    return _detail(mailing_get_for_user(request.auth, campaign_id))


@router.post(
    "/email-campaigns/{campaign_id}/send", response={202: MailingDetailOut, **WRITE_ERRORS}
)
def mailing_send(request: HttpRequest, campaign_id: int) -> Status[Any]:
    """Fix the recipients (the segment's contacts you may read) and start sending in the
    background; skipped people are counted. A campaign is sent once (422 on `status` after)."""
    mailing = mailing_get_for_user(request.auth, campaign_id, write=True)
    site_url = request.build_absolute_uri("/").rstrip("/")
    mailing = services.mailing_send(mailing, acting_user=request.auth, site_url=site_url)
    return Status(202, _detail(mailing))


@router.post(
    "/email-campaigns/{campaign_id}/resume", response={202: MailingDetailOut, **WRITE_ERRORS}
)
def mailing_resume(request: HttpRequest, campaign_id: int) -> Status[Any]:
    mailing = mailing_get_for_user(request.auth, campaign_id, write=True)
    return Status(202, _detail(services.mailing_resume(mailing, acting_user=request.auth)))


@router.get(
    "/email-campaigns/{campaign_id}/recipients", response={200: RecipientList, **READ_ERRORS}
)
def mailing_recipients(
    request: HttpRequest, campaign_id: int, query: Query[RecipientQuery]
) -> dict[str, Any]:
    mailing = mailing_get_for_user(request.auth, campaign_id)
    return page(recipients_of(mailing, status=query.status), query)


@router.post("/email-campaigns/{campaign_id}/bounces", response={200: BouncesOut, **WRITE_ERRORS})
def mailing_bounces(request: HttpRequest, campaign_id: int, payload: BouncesIn) -> Any:
    """Record bounce reports that came back later: the sent rows to these addresses."""
    mailing = mailing_get_for_user(request.auth, campaign_id, write=True)
    emails = [str(email) for email in payload.emails]
    return {"bounced": services.bounces_record(mailing, acting_user=request.auth, emails=emails)}


# ---------------------------------------------------------------- a single email


class SingleEmailIn(InputSchema):
    template_id: int | None = Field(
        None, description="A template: it fills the subject and body when they are left empty."
    )
    subject: str = Field("", max_length=200, description="Wins over the template's subject.")
    body: str = Field("", description="Wins over the template's body.")
    deal_id: int | None = Field(None, description="Also record the email on this deal.")


class SingleEmailOut(Schema):
    activity_id: int = Field(description="The email activity on the contact's timeline.")


@router.post("/contacts/{contact_id}/email", response={201: SingleEmailOut, **WRITE_ERRORS})
def contact_email(request: HttpRequest, contact_id: int, payload: SingleEmailIn) -> Status[Any]:
    """Send one email to the contact now (no marketing consent needed; do-not-contact refused
    with 422 on `contact_id`)."""
    contact = contact_get_for_user(request.auth, contact_id)
    template = _visible(templates_visible_to(request.auth), payload.template_id, "template_id")
    deal = _visible(deals_visible_to(request.auth), payload.deal_id, "deal_id")
    site_url = request.build_absolute_uri("/").rstrip("/")
    activity = services.contact_email_send(
        contact, acting_user=request.auth, subject=payload.subject, body=payload.body,
        template=template, deal=deal, site_url=site_url,
    )  # fmt: skip
    return Status(201, {"activity_id": activity.pk})
