"""Reads of referrals: who may see them, which deals they brought, and who refers the most.

A referral is visible to a user who may read both its target (the lead, account or deal that
was referred) and its referrer (the contact and/or account who referred it). Every count and
amount here is taken over visible referrals and visible deals only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.models import Lead
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.models import WON_OUTCOMES, Deal
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.referrals.models import Referral
from salesflow.users import policy

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


def cents(amount: Any) -> Decimal:
    """A summed amount to two places (SQLite answers sums without them)."""
    return Decimal(amount or 0).quantize(ZERO)


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    if policy.readable_q(user) == Q():
        return Referral.objects.all()
    accounts = accounts_visible_to(user).values("pk")
    target = (
        Q(deal__in=deals_visible_to(user).values("pk"))
        | Q(lead__in=leads_visible_to(user).values("pk"))
        | Q(account__in=accounts)
    )
    referrer = (
        Q(referrer_contact__isnull=True)
        | Q(referrer_contact__in=contacts_visible_to(user).values("pk"))
    ) & (Q(referrer_account__isnull=True) | Q(referrer_account__in=accounts))
    return Referral.objects.filter(target & referrer)


def referrals_listed(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """With what a list of referrals shows, in one query."""
    return referrals.select_related(
        "referrer_contact", "referrer_account", "lead", "account", "deal", "recorded_by"
    ).order_by("-referred_on", "-pk")


def referral_get_for_user(user: Any, pk: int, *, write: bool = False) -> Referral:
    """The referral, or 404; AccessDenied when `write` and the user may not change its target."""
    referral = get_object_or_404(referrals_listed(referrals_visible_to(user)), pk=pk)
    if write and not policy.can_write(user, referral.target):
        raise AccessDenied(f"You may see this {referral.target_kind} but not change it.")
    return referral


def referral_deals_q() -> Q:
    """Deals brought by the referral named by `OuterRef` (a filter on deals, in a subquery of
    referrals): the referred deal, the deals converted from the referred lead, or the deals of
    the referred account opened on or after the day of the referral."""
    return (
        Q(pk=OuterRef("deal_id"))
        | Q(lead_id=OuterRef("lead_id"))
        | Q(account_id=OuterRef("account_id"), created_on__gte=OuterRef("referred_on"))
    )


def deals_with_created_on(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.annotate(created_on=TruncDate("created_at"))


def deal_referrals_q() -> Q:
    """Referrals that brought the deal named by `OuterRef` (which needs `created_on`, see
    `deals_with_created_on`): the reverse of `referral_deals_q`."""
    return (
        Q(deal_id=OuterRef("pk"))
        | Q(lead_id=OuterRef("lead_id"))
        | Q(account_id=OuterRef("account_id"), referred_on__lte=OuterRef("created_on"))
    )


def referrals_crediting(deal: Deal) -> QuerySet[Referral]:
    """Every referral that brought this deal, whoever may see it (for the won hook)."""
    q = Q(deal=deal)
    if deal.lead_id:
        q |= Q(lead_id=deal.lead_id)
    if deal.account_id:
        opened_on = timezone.localdate(deal.created_at)
        q |= Q(account_id=deal.account_id, referred_on__lte=opened_on)
    return Referral.objects.filter(q)


def referrals_crediting_exist() -> dict[str, Any]:
    """`referrals_crediting(deal).exists()` as annotations of a read of deals (the deal page's):
    `referrals_crediting_exist`, and the day the deal opened (in the current time zone)."""
    crediting = Referral.objects.filter(
        Q(deal=OuterRef("pk"))
        | Q(lead_id=OuterRef("lead_id"))
        | Q(account_id=OuterRef("account_id"), referred_on__lte=OuterRef("referral_opened_on"))
    )
    return {
        "referral_opened_on": TruncDate("created_at"),
        "referrals_crediting_exist": Exists(crediting),
    }


def referrals_of_deal(user: Any, deal: Deal) -> QuerySet[Referral]:
    """The visible referrals that brought the deal: on it, on its lead, on its account."""
    return referrals_listed(referrals_visible_to(user).filter(pk__in=referrals_crediting(deal)))


def referrals_of_record(user: Any, record: Lead | Account) -> QuerySet[Referral]:
    """The visible referrals of a lead or an account (as the referred one)."""
    field = "lead" if isinstance(record, Lead) else "account"
    return referrals_listed(referrals_visible_to(user).filter(**{field: record}))


def _count(queryset: QuerySet) -> Any:
    """The number of rows of `queryset` (which may name `OuterRef`s), as an expression: one
    aggregate subquery without GROUP BY, so it answers 0 when nothing matches."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted), Value(0), output_field=IntegerField())


def _amount(deals: QuerySet[Deal]) -> Any:
    """The summed amount of `deals` (which may name `OuterRef`s), as an expression."""
    summed = deals.order_by().annotate(total=Func(F("amount"), function="SUM", output_field=MONEY))
    return Coalesce(Subquery(summed.values("total")), Value(ZERO), output_field=MONEY)


def referrals_annotated(user: Any, referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Each referral with `converted` (it brought a deal the user may read), `won_count` and
    `won_amount` (of those deals, the won ones)."""
    deals = deals_with_created_on(deals_visible_to(user)).filter(referral_deals_q())
    won = deals.filter(outcome__in=WON_OUTCOMES)
    return referrals.annotate(
        converted=Exists(deals), won_count=_count(won), won_amount=_amount(won)
    )


@dataclass(frozen=True)
class ReferrerSummary:
    made: int
    converted: int
    won_count: int
    won_amount: Decimal


@dataclass(frozen=True)
class LeaderboardRow:
    contact: Contact | None
    account: Account | None
    made: int
    converted: int
    won_count: int
    won_amount: Decimal

    @property
    def name(self) -> str:
        return str(self.contact or self.account)

    @property
    def url(self) -> str:
        return (self.contact or self.account).get_absolute_url()  # type: ignore[union-attr]


def _won_deals_of(user: Any, referrer: Q) -> QuerySet[Deal]:
    """Visible won deals brought by a visible referral of the referrer that `referrer` names
    (with `OuterRef(OuterRef(...))`, from a query of contacts or accounts)."""
    referrals = referrals_visible_to(user).filter(referrer).filter(deal_referrals_q())
    return (
        deals_with_created_on(deals_visible_to(user))
        .filter(outcome__in=WON_OUTCOMES)
        .filter(Exists(referrals))
    )


def _referrers_annotated(user: Any, rows: QuerySet, referrer_field: str) -> QuerySet:
    """Contacts or accounts with `made`, `converted`, `won_count` and `won_amount`, computed in
    the database; only rows that made at least one visible referral."""
    mine = referrals_visible_to(user).filter(**{referrer_field: OuterRef("pk")})
    if referrer_field == "referrer_account":
        mine = mine.filter(referrer_contact__isnull=True)  # a contact's are counted on them
    converted = mine.filter(
        Exists(deals_with_created_on(deals_visible_to(user)).filter(referral_deals_q()))
    )
    inner = Q(**{referrer_field: OuterRef(OuterRef("pk"))})
    if referrer_field == "referrer_account":
        inner &= Q(referrer_contact__isnull=True)
    won = _won_deals_of(user, inner)
    referrers = referrals_visible_to(user).values(referrer_field)
    return (
        rows.filter(pk__in=referrers)
        .annotate(
            made=_count(mine),
            converted=_count(converted),
            won_count=_count(won),
            won_amount=_amount(won),
        )
        .filter(made__gt=0)
        .order_by("-made", "-won_amount", "pk")
    )


def referrers_leaderboard(user: Any) -> list[LeaderboardRow]:
    """Who refers the most: every referrer contact (and every account that referred without
    naming a contact) with visible referrals, ranked by referrals made, then won amount.

    Aggregated in the database: one query of contacts and one of accounts, whatever the number
    of referrals and deals.
    """
    contacts = _referrers_annotated(
        user, contacts_visible_to(user).select_related("account"), "referrer_contact"
    )
    accounts = _referrers_annotated(user, accounts_visible_to(user), "referrer_account")
    rows = [
        LeaderboardRow(c, None, c.made, c.converted, c.won_count, cents(c.won_amount))
        for c in contacts
    ] + [
        LeaderboardRow(None, a, a.made, a.converted, a.won_count, cents(a.won_amount))
        for a in accounts
    ]
    rows.sort(key=lambda row: (-row.made, -row.won_amount, -row.won_count, row.name))
    return rows


def referrer_summary(user: Any, contact: Contact) -> ReferrerSummary:
    """What a contact's referrals brought, as the user may see it: for the contact page."""
    row = (
        _referrers_annotated(user, Contact.objects.filter(pk=contact.pk), "referrer_contact")
        .values("made", "converted", "won_count", "won_amount")
        .first()
    )
    if row is None:
        return ReferrerSummary(0, 0, 0, ZERO)
    return ReferrerSummary(**{**row, "won_amount": cents(row["won_amount"])})
