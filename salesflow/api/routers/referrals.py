"""Referrals: who referred a lead, account or deal, the asks and thank-yous, who refers the most."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.lookups import links_resolve
from salesflow.api.schemas import READ_ERRORS, WRITE_ERRORS, InputSchema, PageQuery, filtered, page
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.referrals.selectors import (
    cents,
    referral_get_for_user,
    referrals_annotated,
    referrals_listed,
    referrals_visible_to,
    referrers_leaderboard,
)
from salesflow.referrals.services import referral_delete, referral_record

router = Router(tags=["referrals"])

LINKS = {
    "referrer_contact_id": contacts_visible_to,
    "referrer_account_id": accounts_visible_to,
    "lead_id": leads_visible_to,
    "account_id": accounts_visible_to,
    "deal_id": deals_visible_to,
}


class ReferralIn(InputSchema):
    referrer_contact_id: int | None = Field(None, description="Who referred: a contact ...")
    referrer_account_id: int | None = Field(None, description="... and/or an account.")
    lead_id: int | None = Field(None, description="What was referred: exactly one of lead, ...")
    account_id: int | None = Field(None, description="... account ...")
    deal_id: int | None = Field(None, description="... or deal.")
    note: str = ""
    referred_on: dt.date | None = Field(None, description="Defaults to today.")


class ReferralOut(Schema):
    id: int
    referrer_contact_id: int | None
    referrer_account_id: int | None
    referrer_name: str
    lead_id: int | None
    account_id: int | None
    deal_id: int | None
    target_kind: str
    target_name: str
    note: str
    referred_on: dt.date
    recorded_by_id: int | None
    created_at: dt.datetime
    converted: bool = Field(description="It brought a deal you may read.")
    won_count: int = Field(description="Won deals it brought, of those you may read.")
    won_amount: Decimal

    @staticmethod
    def resolve_target_name(obj: Any) -> str:
        return str(obj.target)

    @staticmethod
    def resolve_won_amount(obj: Any) -> Decimal:
        return cents(obj.won_amount)


class ReferralList(Schema):
    items: list[ReferralOut]
    count: int


class ReferralQuery(PageQuery):
    referrer_contact_id: int | None = None
    referrer_account_id: int | None = None
    lead_id: int | None = None
    account_id: int | None = None
    deal_id: int | None = None


class LeaderboardRowOut(Schema):
    referrer_contact_id: int | None
    referrer_account_id: int | None
    name: str
    referrals: int
    converted: int
    won_count: int
    won_amount: Decimal


class LeaderboardOut(Schema):
    items: list[LeaderboardRowOut]
    count: int


def _annotated(request: HttpRequest, referrals: Any) -> Any:
    return referrals_annotated(request.auth, referrals_listed(referrals))


@router.get("/referrals", response={200: ReferralList, **READ_ERRORS})
def referral_list(request: HttpRequest, query: Query[ReferralQuery]) -> dict[str, Any]:
    referrals = filtered(
        referrals_visible_to(request.auth),
        referrer_contact_id=query.referrer_contact_id,
        referrer_account_id=query.referrer_account_id,
        lead_id=query.lead_id,
        account_id=query.account_id,
        deal_id=query.deal_id,
    )
    return page(_annotated(request, referrals).order_by("-referred_on", "-pk"), query)


@router.post("/referrals", response={201: ReferralOut, **WRITE_ERRORS})
def referral_add(request: HttpRequest, payload: ReferralIn) -> Status[Any]:
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth, links=LINKS)
    referral = referral_record(acting_user=request.auth, **data)
    return Status(201, _annotated(request, referrals_visible_to(request.auth)).get(pk=referral.pk))


@router.get("/referrals/leaderboard", response={200: LeaderboardOut, **READ_ERRORS})
def referral_leaderboard(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """Referrers ranked by referrals made, then won amount, over what you may read."""
    rows = referrers_leaderboard(request.auth)
    items = [
        {
            "referrer_contact_id": row.contact.pk if row.contact else None,
            "referrer_account_id": row.account.pk if row.account else None,
            "name": row.name,
            "referrals": row.made,
            "converted": row.converted,
            "won_count": row.won_count,
            "won_amount": row.won_amount,
        }
        for row in rows[query.offset : query.offset + query.limit]
    ]
    return {"items": items, "count": len(rows)}


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **READ_ERRORS})
def referral_detail(request: HttpRequest, referral_id: int) -> Any:
    referral_get_for_user(request.auth, referral_id)
    return _annotated(request, referrals_visible_to(request.auth)).get(pk=referral_id)


@router.delete("/referrals/{referral_id}", response={204: None, **WRITE_ERRORS})
def referral_remove(request: HttpRequest, referral_id: int) -> Status[None]:
    referral = referral_get_for_user(request.auth, referral_id, write=True)
    referral_delete(referral, acting_user=request.auth)
    return Status(204, None)
