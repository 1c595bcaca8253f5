"""Accounts: the companies we sell to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field, field_validator

from salesflow.api.lookups import LINKS, links_resolve
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
from salesflow.customers.models import SizeBand, TierLevel, active_tiers
from salesflow.customers.selectors import account_get_for_user, accounts_visible_to
from salesflow.customers.services import account_create, account_delete, account_update

router = Router(tags=["accounts"])

# A tier's code: one of the active tiers admins define (GET /tiers); the services check it
# and answer 422 naming `tier` otherwise.
TIER_DESCRIPTION = "The code of an active tier (GET /tiers)."
SizeBandIn = choices_literal(SizeBand, blank=True)
# A parent account is named by id, looked up among the accounts the user may read.
ACCOUNT_LINKS = {**LINKS, "parent_id": accounts_visible_to}


def _tier_known(cls: type, value: Any) -> Any:
    """A tier code that names no tier answers 422 with the other fields' errors (whether a
    retired tier may be set is the services' call)."""
    if value is not None and not TierLevel.objects.filter(code=value).exists():
        offered = ", ".join(active_tiers.values)
        raise ValueError(f"Unknown tier {value!r}; choose one of: {offered}.")
    return value


tier_known = field_validator("tier")(classmethod(_tier_known))


class AccountIn(InputSchema):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
    name: str = Field(max_length=200)
    industry: str = Field("", max_length=100)
    size_band: SizeBandIn = ""
    region: str = Field("", max_length=100)
    website: str = Field("", max_length=200)
    tier: str = Field(
        None,
        max_length=16,
        description=TIER_DESCRIPTION + " Left out: the tier rules place the account (else the "
        "lowest tier); given: set by hand unless `tier_by_hand` is false.",
    )
    tier_by_hand: bool = Field(None, description="true: the tier rules never change the tier.")
    _tier = tier_known
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str = Field("EUR", min_length=3, max_length=3, description="Of the revenue.")
    employee_count: int | None = Field(None, ge=0)
    founded_year: int | None = Field(None, ge=1000, le=9999)
    parent_id: int | None = Field(None, description="The parent account (group).")
    notes: str = ""
    owner_id: int = Field(None, description="Defaults to you.")
    visibility: VisibilityIn = "team"


class AccountPatch(VersionedPatch):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
    name: str = Field(None, max_length=200)
    industry: str = Field(None, max_length=100)
    size_band: SizeBandIn = Field(None)
    region: str = Field(None, max_length=100)
    website: str = Field(None, max_length=200)
    tier: str = Field(
        None,
        max_length=16,
        description=TIER_DESCRIPTION + " Changing it sets it by hand unless `tier_by_hand` "
        "is false.",
    )
    tier_by_hand: bool = Field(None, description="false: hand the tier back to the tier rules.")
    _tier = tier_known
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str = Field(None, min_length=3, max_length=3)
    employee_count: int | None = Field(None, ge=0)
    founded_year: int | None = Field(None, ge=1000, le=9999)
    parent_id: int | None = Field(None, description="null: no parent account.")
    notes: str = Field(None)
    owner_id: int = Field(None)
    visibility: VisibilityIn = Field(None)


class AccountOut(OwnedOut):
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_OUT_DESCRIPTION)
    name: str
    industry: str
    size_band: str
    region: str
    website: str
    tier: str
    tier_by_hand: bool = Field(description="true: the tier rules never change the tier.")
    last_contact_at: dt.datetime | None = Field(
        description="The latest done call, email, meeting, visit, demo or invitation on the "
        "account, its contacts or its deals."
    )
    next_contact_due_on: dt.date | None = Field(
        description="Last contact (or the account's creation) plus the tier's cadence."
    )
    annual_revenue: Decimal | None
    currency: str
    employee_count: int | None
    founded_year: int | None
    parent_id: int | None
    notes: str
    version: int


class AccountList(Schema):
    items: list[AccountOut]
    count: int


class AccountQuery(PageQuery):
    q: str | None = Field(None, description="Part of the name.")
    tier: str | None = Field(None, max_length=16, description="A tier's code.")
    overdue: bool | None = Field(None, description="true: only accounts overdue for contact.")
    industry: str | None = None
    region: str | None = None
    owner_id: int | None = None


@router.get(
    "/accounts", response={200: AccountList, **READ_ERRORS}, description=CUSTOM_FILTER_DESCRIPTION
)
def account_list(request: HttpRequest, query: Query[AccountQuery]) -> dict[str, Any]:
    accounts = accounts_visible_to(request.auth)
    if query.overdue is not None:
        overdue = Q(next_contact_due_on__lt=timezone.localdate())
        accounts = accounts.filter(overdue if query.overdue else ~overdue)
    accounts = filtered(
        accounts,
        name__icontains=query.q,
        tier=query.tier,
        industry__iexact=query.industry,
        region__iexact=query.region,
        owner_id=query.owner_id,
    )
    accounts = custom_filtered(accounts, request, "account")
    return page(accounts.order_by("name", "pk"), query)


@router.post("/accounts", response={201: AccountOut, **WRITE_ERRORS})
def account_add(request: HttpRequest, payload: AccountIn) -> Status[Any]:
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=ACCOUNT_LINKS
    )
    return Status(201, account_create(acting_user=request.auth, **data))


@router.get("/accounts/{account_id}", response={200: AccountOut, **READ_ERRORS})
def account_detail(request: HttpRequest, account_id: int) -> Any:
    return account_get_for_user(request.auth, account_id)


@router.patch("/accounts/{account_id}", response={200: AccountOut, **WRITE_ERRORS})
def account_change(request: HttpRequest, account_id: int, payload: AccountPatch) -> Any:
    account = account_get_for_user(request.auth, account_id, write=True)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=ACCOUNT_LINKS
    )
    version = data.pop("version", None)
    return account_update(account, acting_user=request.auth, expected_version=version, **data)


@router.delete("/accounts/{account_id}", response={204: None, **WRITE_ERRORS})
def account_remove(request: HttpRequest, account_id: int) -> Status[None]:
    account = account_get_for_user(request.auth, account_id, write=True)
    account_delete(account, acting_user=request.auth)
    return Status(204, None)
