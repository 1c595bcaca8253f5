"""Activities: calls, emails, meetings, invitations and tasks on leads, deals, contacts and
accounts; completing one with its next step; the invitation reasons; the invitations report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.activities.models import ActivityType, InvitationOutcome, InvitationReason
from salesflow.activities.selectors import activities_visible_to, activity_get_for_user
from salesflow.activities.services import (
    activity_complete_with_next_step,
    activity_create,
    activity_delete,
    activity_update,
    invitation_reason_create,
    invitation_reason_update,
)
from salesflow.api.auth import ADMIN_ONLY
from salesflow.api.lookups import LINKS, links_resolve
from salesflow.api.routers.analytics import ANSWERS, AnalyticsQuery, report_answer
from salesflow.api.schemas import (
    ADMIN_READ_ERRORS,
    CUSTOM_FILTER_DESCRIPTION,
    CUSTOM_IN_DESCRIPTION,
    CUSTOM_OUT_DESCRIPTION,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    OwnedOut,
    PageQuery,
    PatchSchema,
    VersionedPatch,
    VisibilityIn,
    choices_literal,
    custom_filtered,
    filtered,
    page,
)

router = Router(tags=["activities"])

TypeIn = choices_literal(ActivityType)
InvitationOutcomeIn = choices_literal(InvitationOutcome, blank=True)


def invitation_reasons_active(user: Any) -> QuerySet[InvitationReason]:
    """Reasons a new invitation may name; retired ones stay on the invitations sent for them."""
    return InvitationReason.objects.filter(is_active=True)


def invitation_reasons_all(user: Any) -> QuerySet[InvitationReason]:
    """Any reason: an invitation may keep the (retired) one it has."""
    return InvitationReason.objects.all()


ACTIVITY_LINKS = {**LINKS, "invitation_reason_id": invitation_reasons_all}
# The complete form's next-step field names as this router's clients spell them (the model's
# own names, `invitation_reason` and the like, are mapped by api/errors.py API_FIELD_NAMES).
API_NAMES = {
    "next_invitation_reason": "next_step.invitation_reason_id",
    "next_owner": "next_step.owner_id",
    "next_type": "next_step.type",
    "next_subject": "next_step.subject",
    "next_due_at": "next_step.due_at",
    "next_body": "next_step.body",
    "next_follows": "next_step",
    "next_deal": "next_step",
    "next_lead": "next_step",
    "next_contact": "next_step",
    "next_account": "next_step",
    "next_team": "next_step",
    "next_visibility": "next_step",
}


def _api_names(error: ValidationError) -> ValidationError:
    """The service's refusal naming the fields as clients send them here."""
    if not hasattr(error, "error_dict"):
        return error
    named: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        named.setdefault(API_NAMES.get(name, name), []).extend(messages)
    return ValidationError(named)


class ActivityIn(InputSchema):
    """Link the activity to at least one lead, deal, contact or account."""

    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)

    type: TypeIn
    subject: str = Field(max_length=200)
    body: str = ""
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    outcome: str = Field("", max_length=200)
    invitation_reason_id: int | None = Field(
        None,
        description="Invitations only, and required for them: GET /invitation-reasons (active).",
    )
    invitation_outcome: InvitationOutcomeIn = Field(
        "", description="Invitations only: the customer's answer."
    )
    lead_id: int | None = None
    deal_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = Field(None, description="Defaults to the deal's account.")
    owner_id: int = Field(None, description="Defaults to you.")
    visibility: VisibilityIn = "team"


class ActivityPatch(VersionedPatch):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
    type: TypeIn = Field(None)
    subject: str = Field(None, max_length=200)
    body: str = Field(None)
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    outcome: str = Field(None, max_length=200)
    invitation_reason_id: int | None = Field(
        None, description="Invitations only. Changing the type away from invitation clears it."
    )
    invitation_outcome: InvitationOutcomeIn = Field(None, description="Invitations only.")
    lead_id: int | None = None
    deal_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    owner_id: int = Field(None)
    visibility: VisibilityIn = Field(None)


class ActivityOut(OwnedOut):
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_OUT_DESCRIPTION)
    type: str
    subject: str
    body: str
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    is_done: bool
    outcome: str
    no_next_step_reason: str = Field(description="Why no next step was planned when done.")
    follows_id: int | None = Field(description="The activity this one was planned from.")
    invitation_reason_id: int | None
    invitation_outcome: str = Field(description="accepted, declined, no_answer, rescheduled.")
    lead_id: int | None
    deal_id: int | None
    contact_id: int | None
    account_id: int | None
    version: int


class ActivityList(Schema):
    items: list[ActivityOut]
    count: int


class ActivityQuery(PageQuery):
    type: TypeIn | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    owner_id: int | None = None
    invitation_reason_id: int | None = None
    invitation_outcome: choices_literal(InvitationOutcome) | None = None  # type: ignore[valid-type]
    follows_id: int | None = Field(None, description="Follow-ups planned from this activity.")
    done: bool | None = Field(None, description="true: done ones only; false: open ones only.")
    due_before: dt.datetime | None = Field(None, description="Due strictly before this time.")
    due_after: dt.datetime | None = Field(None, description="Due at or after this time.")


@router.get(
    "/activities",
    response={200: ActivityList, **READ_ERRORS},
    description=CUSTOM_FILTER_DESCRIPTION,
)
def activity_list(request: HttpRequest, query: Query[ActivityQuery]) -> dict[str, Any]:
    activities = filtered(
        activities_visible_to(request.auth),
        type=query.type,
        deal_id=query.deal_id,
        lead_id=query.lead_id,
        contact_id=query.contact_id,
        account_id=query.account_id,
        owner_id=query.owner_id,
        invitation_reason_id=query.invitation_reason_id,
        invitation_outcome=query.invitation_outcome,
        follows_id=query.follows_id,
        done_at__isnull=None if query.done is None else not query.done,
        due_at__lt=query.due_before,
        due_at__gte=query.due_after,
    )
    activities = custom_filtered(activities, request, "activity")
    return page(activities.order_by("-created_at", "-pk"), query)


@router.post("/activities", response={201: ActivityOut, **WRITE_ERRORS})
def activity_add(request: HttpRequest, payload: ActivityIn) -> Status[Any]:
    data = payload.model_dump(exclude_unset=True)
    links = {**ACTIVITY_LINKS, "invitation_reason_id": invitation_reasons_active}
    data = links_resolve(data, user=request.auth, links=links)
    return Status(201, activity_create(acting_user=request.auth, **data))


@router.get("/activities/{activity_id}", response={200: ActivityOut, **READ_ERRORS})
def activity_detail(request: HttpRequest, activity_id: int) -> Any:
    return activity_get_for_user(request.auth, activity_id)


@router.patch("/activities/{activity_id}", response={200: ActivityOut, **WRITE_ERRORS})
def activity_change(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Any:
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    data = payload.model_dump(exclude_unset=True)
    data = links_resolve(data, user=request.auth, links=ACTIVITY_LINKS)
    version = data.pop("version", None)
    return activity_update(activity, acting_user=request.auth, expected_version=version, **data)


@router.delete("/activities/{activity_id}", response={204: None, **WRITE_ERRORS})
def activity_remove(request: HttpRequest, activity_id: int) -> Status[None]:
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    activity_delete(activity, acting_user=request.auth)
    return Status(204, None)


# Completing with the next step ----------------------------------------------------------------


class NextStepIn(InputSchema):
    """The follow-up activity: on the same records, for the same owner, shared the same way."""

    type: TypeIn
    subject: str = Field(min_length=1, max_length=200)
    due_at: dt.datetime
    body: str = ""
    invitation_reason_id: int | None = Field(
        None, description="When the next step is an invitation."
    )
    owner_id: int | None = Field(None, description="Defaults to the activity's owner.")


class CompleteIn(InputSchema):
    """A call, meeting, visit or demo needs `next_step`, or `no_next_step_reason` saying why
    there is none; other types may have either or neither."""

    outcome: str = Field("", max_length=200, description="What came of it.")
    invitation_outcome: InvitationOutcomeIn = Field(
        "", description="Invitations only: the customer's answer."
    )
    next_step: NextStepIn | None = None
    no_next_step_reason: str = Field("", max_length=200)
    version: int | None = Field(
        None, description="The version you read; if the activity changed since, the answer is 409."
    )


class CompletedOut(Schema):
    activity: ActivityOut
    follow_up: ActivityOut | None = Field(description="The next step created, if one was planned.")


@router.post("/activities/{activity_id}/complete", response={200: CompletedOut, **WRITE_ERRORS})
def activity_complete_route(request: HttpRequest, activity_id: int, payload: CompleteIn) -> Any:
    """Mark the activity done with its outcome, and create its follow-up (the next step) in the
    same transaction. Answers both; the deal's `next_step` follows."""
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    next_step = None
    if payload.next_step is not None:
        step = payload.next_step.model_dump(exclude_unset=True)
        links = {"invitation_reason_id": invitation_reasons_active, "owner_id": LINKS["owner_id"]}
        try:
            step = links_resolve(step, user=request.auth, links=links)
        except ValidationError as error:
            raise ValidationError(
                {f"next_step.{name}": messages for name, messages in error.message_dict.items()}
            ) from error
        next_step = {name: value for name, value in step.items() if value is not None}
    try:
        completed = activity_complete_with_next_step(
            activity,
            acting_user=request.auth,
            outcome=payload.outcome,
            invitation_outcome=payload.invitation_outcome,
            next_step=next_step,
            no_next_step_reason=payload.no_next_step_reason,
            expected_version=payload.version,
        )
    except ValidationError as error:
        raise _api_names(error) from error
    return {"activity": completed.activity, "follow_up": completed.follow_up}


# Invitation reasons ---------------------------------------------------------------------------


class InvitationReasonOut(Schema):
    id: int
    name: str
    is_active: bool


class InvitationReasonList(Schema):
    items: list[InvitationReasonOut]
    count: int


class InvitationReasonIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    is_active: bool = True


class InvitationReasonPatch(PatchSchema):
    name: str = Field(None, min_length=1, max_length=120)
    is_active: bool = Field(None, description="false retires it: no longer offered.")


class InvitationReasonQuery(PageQuery):
    is_active: bool | None = None


@router.get("/invitation-reasons", response={200: InvitationReasonList, **READ_ERRORS})
def invitation_reason_list(
    request: HttpRequest, query: Query[InvitationReasonQuery]
) -> dict[str, Any]:
    """Why reps invite customers; every signed-in user reads them, admins write them."""
    reasons = filtered(InvitationReason.objects.all(), is_active=query.is_active)
    return page(reasons.order_by("name", "pk"), query)


@router.post(
    "/invitation-reasons", response={201: InvitationReasonOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def invitation_reason_add(request: HttpRequest, payload: InvitationReasonIn) -> Status[Any]:
    reason = invitation_reason_create(acting_user=request.auth, **payload.model_dump())
    return Status(201, reason)


@router.get("/invitation-reasons/{reason_id}", response={200: InvitationReasonOut, **READ_ERRORS})
def invitation_reason_detail(request: HttpRequest, reason_id: int) -> Any:
    return get_object_or_404(InvitationReason, pk=reason_id)


@router.patch(
    "/invitation-reasons/{reason_id}",
    response={200: InvitationReasonOut, **WRITE_ERRORS, **ADMIN_READ_ERRORS},
    auth=ADMIN_ONLY,
)
def invitation_reason_change(
    request: HttpRequest, reason_id: int, payload: InvitationReasonPatch
) -> Any:
    reason = get_object_or_404(InvitationReason, pk=reason_id)
    return invitation_reason_update(
        reason, acting_user=request.auth, **payload.model_dump(exclude_unset=True)
    )


@router.get("/analytics/invitations", response=ANSWERS)
def analytics_invitations(
    request: HttpRequest, query: Query[AnalyticsQuery], by: str = "owner"
) -> Any:
    """Invitations logged in the period per `by` (owner, reason, team): `invitations`,
    `answered` (with an outcome), `accepted`, `declined`, `no_answer`, `rescheduled`,
    `pending` (no outcome yet) and `success_rate` (accepted / answered, null when none is
    answered)."""
    return report_answer(request, "invitations", query, by=by)
