"""Contacts: the people at our accounts, with the personal profile that builds trust."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

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
    custom_filtered,
    email_normalised,
    filtered,
    page,
    phone_normalised,
)
from salesflow.customers.selectors import contact_get_for_user, contacts_visible_to
from salesflow.customers.services import contact_create, contact_delete, contact_update

router = Router(tags=["contacts"])


class ContactIn(InputSchema):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
    account_id: int | None = None
    first_name: str = Field("", max_length=100)
    last_name: str = Field(max_length=100)
    position: str = Field("", max_length=150)
    email: str = ""
    phone: str = ""
    birthday: dt.date | None = None
    family: str = ""
    hobbies: str = ""
    education: str = ""
    achievements: str = ""
    places_visited: str = ""
    cultural_background: str = ""
    topics: str = Field("", description="Topics to talk about: an opener for the next call.")
    notes: str = ""
    has_consent: bool = False
    consent_at: dt.datetime | None = None
    do_not_contact: bool = False
    owner_id: int = Field(None, description="Defaults to you.")
    visibility: VisibilityIn = "team"

    _email = email_normalised("email")
    _phone = phone_normalised("phone")


class ContactPatch(VersionedPatch):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
    account_id: int | None = None
    first_name: str = Field(None, max_length=100)
    last_name: str = Field(None, max_length=100)
    position: str = Field(None, max_length=150)
    email: str = Field(None)
    phone: str = Field(None)
    birthday: dt.date | None = None
    family: str = Field(None)
    hobbies: str = Field(None)
    education: str = Field(None)
    achievements: str = Field(None)
    places_visited: str = Field(None)
    cultural_background: str = Field(None)
    topics: str = Field(None)
    notes: str = Field(None)
    has_consent: bool = Field(None)
    consent_at: dt.datetime | None = None
    do_not_contact: bool = Field(None)
    owner_id: int = Field(None)
    visibility: VisibilityIn = Field(None)

    _email = email_normalised("email")
    _phone = phone_normalised("phone")


class ContactOut(OwnedOut):
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_OUT_DESCRIPTION)
    account_id: int | None
    first_name: str
    last_name: str
    full_name: str
    position: str
    email: str
    phone: str
    birthday: dt.date | None
    family: str
    hobbies: str
    education: str
    achievements: str
    places_visited: str
    cultural_background: str
    topics: str
    notes: str
    has_consent: bool
    consent_at: dt.datetime | None
    do_not_contact: bool
    version: int


class ContactList(Schema):
    items: list[ContactOut]
    count: int


class ContactQuery(PageQuery):
    q: str | None = Field(None, description="Part of the name or email.")
    account_id: int | None = None
    email: str | None = Field(None, description="The whole address, in any case.")


@router.get(
    "/contacts", response={200: ContactList, **READ_ERRORS}, description=CUSTOM_FILTER_DESCRIPTION
)
def contact_list(request: HttpRequest, query: Query[ContactQuery]) -> dict[str, Any]:
    contacts = contacts_visible_to(request.auth)
    if query.q:
        contacts = contacts.filter(
            Q(first_name__icontains=query.q)
            | Q(last_name__icontains=query.q)
            | Q(email__icontains=query.q)
        )
    contacts = filtered(
        contacts,
        account_id=query.account_id,
        email__iexact=query.email.strip() if query.email else None,
    )
    contacts = custom_filtered(contacts, request, "contact")
    return page(contacts.order_by("last_name", "first_name", "pk"), query)


@router.post("/contacts", response={201: ContactOut, **WRITE_ERRORS})
def contact_add(request: HttpRequest, payload: ContactIn) -> Status[Any]:
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    return Status(201, contact_create(acting_user=request.auth, **data))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **READ_ERRORS})
def contact_detail(request: HttpRequest, contact_id: int) -> Any:
    return contact_get_for_user(request.auth, contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **WRITE_ERRORS})
def contact_change(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    contact = contact_get_for_user(request.auth, contact_id, write=True)
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    version = data.pop("version", None)
    return contact_update(contact, acting_user=request.auth, expected_version=version, **data)


@router.delete("/contacts/{contact_id}", response={204: None, **WRITE_ERRORS})
def contact_remove(request: HttpRequest, contact_id: int) -> Status[None]:
    contact = contact_get_for_user(request.auth, contact_id, write=True)
    contact_delete(contact, acting_user=request.auth)
    return Status(204, None)
