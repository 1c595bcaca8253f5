"""Activities: calls, emails, meetings and tasks on leads, deals, contacts and accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.activities.models import ActivityType
from salesflow.activities.selectors import activities_visible_to, activity_get_for_user
from salesflow.activities.services import activity_create, activity_delete, activity_update
from salesflow.api.lookups import links_resolve
from salesflow.api.schemas import (
    CUSTOM_FILTER_DESCRIPTION,
    CUSTOM_IN_DESCRIPTION,
    CUSTOM_OUT_DESCRIPTION,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    OwnedOut,
    PageQuery,
    VersionedPatch,
    VisibilityIn,
    choices_literal,
    custom_filtered,
    filtered,
    page,
)

router = Router(tags=["activities"])

TypeIn = choices_literal(ActivityType)


class ActivityIn(InputSchema):
    """Link the activity to at least one lead, deal, contact or account."""

    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)

    type: TypeIn
    subject: str = Field(max_length=200)
    body: str = ""
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    outcome: str = Field("", max_length=200)
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
        done_at__isnull=None if query.done is None else not query.done,
        due_at__lt=query.due_before,
        due_at__gte=query.due_after,
    )
    activities = custom_filtered(activities, request, "activity")
    return page(activities.order_by("-created_at", "-pk"), query)


@router.post("/activities", response={201: ActivityOut, **WRITE_ERRORS})
def activity_add(request: HttpRequest, payload: ActivityIn) -> Status[Any]:
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    return Status(201, activity_create(acting_user=request.auth, **data))


@router.get("/activities/{activity_id}", response={200: ActivityOut, **READ_ERRORS})
def activity_detail(request: HttpRequest, activity_id: int) -> Any:
    return activity_get_for_user(request.auth, activity_id)


@router.patch("/activities/{activity_id}", response={200: ActivityOut, **WRITE_ERRORS})
def activity_change(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Any:
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    version = data.pop("version", None)
    return activity_update(activity, acting_user=request.auth, expected_version=version, **data)


@router.delete("/activities/{activity_id}", response={204: None, **WRITE_ERRORS})
def activity_remove(request: HttpRequest, activity_id: int) -> Status[None]:
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    activity_delete(activity, acting_user=request.auth)
    return Status(204, None)
