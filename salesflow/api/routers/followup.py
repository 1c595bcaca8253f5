"""Follow-up: accounts due for contact, tiers and their cadences, tier rules, the calendar feed.

Tiers are read by everyone (accounts name them by `code`) and changed by admins; a tier's
`contact_every_days` sets when its accounts are due for contact. Tier rules set the tier of
accounts not set by hand (see docs/followup.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import ADMIN_ONLY
from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PageQuery,
    VersionedPatch,
    choices_literal,
    page,
)
from salesflow.customers.models import ContactChannel, TierLevel
from salesflow.customers.services import tier_create, tier_update
from salesflow.followup import selectors, services
from salesflow.followup.ics import feed_url
from salesflow.followup.models import RuleMetric, TierRule
from salesflow.users.policy import require_admin

router = Router(tags=["followup"])

ChannelIn = choices_literal(ContactChannel)
MetricIn = choices_literal(RuleMetric)
DAYS: dict[str, Any] = {"ge": 1, "le": 3650}
THRESHOLD: dict[str, Any] = {"ge": 0, "max_digits": 16, "decimal_places": 2}


class FollowUpOut(Schema):
    account_id: int
    name: str
    tier: str
    owner_id: int | None
    last_contact_at: dt.datetime | None
    next_contact_due_on: dt.date
    overdue: bool

    @staticmethod
    def resolve_account_id(account: Any) -> int:
        return account.pk

    @staticmethod
    def resolve_overdue(account: Any) -> bool:
        return account.next_contact_due_on < timezone.localdate()


class FollowUpList(Schema):
    items: list[FollowUpOut]
    count: int


class FollowUpQuery(PageQuery):
    owner_id: int | None = Field(None, description="Only this owner's accounts.")
    overdue: bool = Field(
        False, description="true: only accounts overdue for contact (due before today)."
    )
    within_days: int = Field(
        7, ge=0, le=3650, description="Without `overdue`: accounts due up to this many days ahead."
    )


@router.get("/follow-ups", response={200: FollowUpList, **READ_ERRORS})
def follow_up_list(request: HttpRequest, query: Query[FollowUpQuery]) -> dict[str, Any]:
    """Accounts you may read that are due for contact: overdue first, soonest first."""
    today = timezone.localdate()
    accounts = selectors.accounts_due(
        request.auth,
        owner_id=query.owner_id,
        overdue_only=query.overdue,
        within_days=query.within_days,
        today=today,
    )
    return page(accounts, query)


# Tiers -----------------------------------------------------------------------------------------


class TierOut(Schema):
    id: int
    code: str
    name: str
    position: int = Field(description="1 is the top tier.")
    contact_every_days: int
    channel: str = Field(description="The preferred channel: call, email, meeting, visit, demo.")
    is_active: bool
    version: int


class TierList(Schema):
    items: list[TierOut]
    count: int


class TierIn(InputSchema):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=100)
    contact_every_days: int = Field(30, **DAYS)
    channel: ChannelIn = "call"


class TierPatch(VersionedPatch):
    code: str = Field(None, min_length=1, max_length=16)
    name: str = Field(None, min_length=1, max_length=100)
    contact_every_days: int = Field(None, **DAYS)
    channel: ChannelIn = Field(None)
    is_active: bool = Field(None, description="false: retire the tier (accounts keep it).")


class TierQuery(PageQuery):
    include_retired: bool = Field(False, description="Retired tiers too.")


@router.get("/tiers", response={200: TierList, **READ_ERRORS})
def tier_list(request: HttpRequest, query: Query[TierQuery]) -> dict[str, Any]:
    tiers = TierLevel.objects.order_by("position", "code", "pk")
    if not query.include_retired:
        tiers = tiers.filter(is_active=True)
    return page(tiers, query)


@router.post("/tiers", response={201: TierOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def tier_add(request: HttpRequest, payload: TierIn) -> Status[Any]:
    return Status(201, tier_create(acting_user=request.auth, **payload.model_dump()))


@router.get("/tiers/{tier_id}", response={200: TierOut, **READ_ERRORS})
def tier_detail(request: HttpRequest, tier_id: int) -> Any:
    return get_object_or_404(TierLevel, pk=tier_id)


@router.patch("/tiers/{tier_id}", response={200: TierOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def tier_change(request: HttpRequest, tier_id: int, payload: TierPatch) -> Any:
    require_admin(request.auth)  # before revealing whether the tier exists
    tier = get_object_or_404(TierLevel, pk=tier_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    return tier_update(tier, acting_user=request.auth, expected_version=version, **data)


# Tier rules ------------------------------------------------------------------------------------


class TierRuleOut(Schema):
    id: int
    tier_id: int
    tier: str = Field(description="The tier's code.")
    metric: str = Field(description="annual_revenue, open_pipeline or won_revenue.")
    threshold: Decimal = Field(description="The rule is met at this figure or above.")
    months: int = Field(description="won_revenue: deals won in this many months before today.")
    is_active: bool
    text: str
    version: int

    @staticmethod
    def resolve_tier(rule: TierRule) -> str:
        return rule.tier.code

    @staticmethod
    def resolve_text(rule: TierRule) -> str:
        return str(rule)


class TierRuleList(Schema):
    items: list[TierRuleOut]
    count: int


class TierRuleIn(InputSchema):
    tier_id: int = Field(description="An active tier.")
    metric: MetricIn
    threshold: Decimal = Field(**THRESHOLD)
    months: int = Field(12, ge=1, le=120)
    is_active: bool = True


@router.get("/tier-rules", response={200: TierRuleList, **READ_ERRORS})
def tier_rule_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return page(selectors.tier_rules_listed(), query)


@router.post("/tier-rules", response={201: TierRuleOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def tier_rule_add(request: HttpRequest, payload: TierRuleIn) -> Status[Any]:
    require_admin(request.auth)
    data = payload.model_dump()
    tier = TierLevel.objects.filter(pk=data.pop("tier_id")).first()
    if tier is None:
        raise ValidationError({"tier_id": "There is no tier with this id."})
    return Status(201, services.tier_rule_create(acting_user=request.auth, tier=tier, **data))


@router.get("/tier-rules/{rule_id}", response={200: TierRuleOut, **READ_ERRORS})
def tier_rule_detail(request: HttpRequest, rule_id: int) -> Any:
    return get_object_or_404(TierRule.objects.select_related("tier"), pk=rule_id)


# Calendar --------------------------------------------------------------------------------------


class CalendarTokenOut(Schema):
    calendar_url: str = Field(description="Your new feed address; the previous one stops working.")


@router.post("/calendar/token", response={201: CalendarTokenOut, **READ_ERRORS})
def calendar_token_regenerate(request: HttpRequest) -> Status[Any]:
    feed = services.calendar_feed_regenerate(user=request.auth)
    return Status(201, {"calendar_url": feed_url(feed.token)})


@router.delete("/calendar/token", response={204: None, **READ_ERRORS})
def calendar_token_revoke(request: HttpRequest) -> Status[None]:
    services.calendar_feed_revoke(user=request.auth)
    return Status(204, None)
