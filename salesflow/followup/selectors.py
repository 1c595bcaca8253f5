"""Reads of the follow-up pages: accounts due for contact, the header's reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to
from salesflow.followup.models import CalendarFeed, TierRule
from salesflow.users import policy

SOON_DAYS = 7  # "due soon": within a week
REMINDER_HOURS = 24  # the header lists activities due within a day, and overdue ones
REMINDER_LIMIT = 15


def contact_state(due: dt.date | None, today: dt.date) -> str:
    """`overdue` (due before today), `soon` (today or within a week), `later`, or `none`."""
    if due is None:
        return "none"
    if due < today:
        return "overdue"
    if due <= today + dt.timedelta(days=SOON_DAYS):
        return "soon"
    return "later"


class Scope:
    MINE = "mine"
    TEAM = "team"
    REP = "rep"


@dataclass(frozen=True)
class DueScope:
    """Whose accounts a "due for contact" list shows."""

    kind: str
    owner: Any = None


def due_scope(user: Any, kind: str, rep_id: int | None) -> DueScope:
    """Mine (the default), my team (the accounts of the user's teams, or the teams a manager
    manages) or a chosen rep: managers and admins among the people they may see; anyone else
    asking for a rep gets their own list."""
    if kind == Scope.REP and rep_id is not None and (user.is_admin or user.is_manager):
        owner = policy.users_visible_to(user).filter(pk=rep_id).first()
        if owner is not None:
            return DueScope(Scope.REP, owner)
    if kind == Scope.TEAM:
        return DueScope(Scope.TEAM)
    return DueScope(Scope.MINE, user)


def accounts_due(
    user: Any,
    *,
    scope: DueScope | None = None,
    owner_id: int | None = None,
    overdue_only: bool = False,
    today: dt.date | None = None,
    within_days: int | None = SOON_DAYS,
) -> QuerySet[Account]:
    """Accounts the user may read that are due for contact: overdue first, then due within
    `within_days` (None: any day), soonest first."""
    today = today or timezone.localdate()
    accounts = accounts_visible_to(user).filter(next_contact_due_on__isnull=False)
    if overdue_only:
        accounts = accounts.filter(next_contact_due_on__lt=today)
    elif within_days is not None:
        accounts = accounts.filter(next_contact_due_on__lte=today + dt.timedelta(days=within_days))
    if scope is not None:
        if scope.kind == Scope.TEAM:
            accounts = accounts.filter(team_id__in=policy.managed_team_ids(user))
        else:
            accounts = accounts.filter(owner=scope.owner)
    if owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    return accounts.select_related("owner").order_by(
        "next_contact_due_on", F("last_contact_at").asc(nulls_first=True), "name", "pk"
    )


def birthday_q(days: list[dt.date], prefix: str = "") -> Q:
    """People whose birthday falls on one of `days` (month and day; 29 February is kept on
    28 February in other years)."""
    q = Q(pk__in=[])
    for day in days:
        q |= Q(**{f"{prefix}birthday__month": day.month, f"{prefix}birthday__day": day.day})
        if (day.month, day.day) == (2, 28) and not _is_leap(day.year):
            q |= Q(**{f"{prefix}birthday__month": 2, f"{prefix}birthday__day": 29})
    return q


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def contacts_with_birthdays(user: Any, days: list[dt.date]) -> QuerySet[Contact]:
    """The user's own contacts (they own them) with a birthday on one of `days`."""
    return (
        Contact.objects.filter(owner=user, birthday__isnull=False)
        .filter(birthday_q(days))
        .select_related("account")
        .order_by("birthday__month", "birthday__day", "last_name")
    )


@dataclass
class Reminders:
    activities: list[Activity]
    count: int
    birthdays: list[Contact]
    now: dt.datetime

    @property
    def total(self) -> int:
        return self.count + len(self.birthdays)


def reminders_for(user: Any, *, now: dt.datetime | None = None) -> Reminders:
    """The header's bell: the user's open activities due within a day or overdue, soonest
    first, and their contacts' birthdays today. Three queries."""
    now = now or timezone.now()
    due = Activity.objects.filter(
        owner=user, done_at__isnull=True, due_at__lt=now + dt.timedelta(hours=REMINDER_HOURS)
    )
    rows = list(
        due.select_related("account", "deal", "contact", "lead").order_by("due_at", "pk")[
            :REMINDER_LIMIT
        ]
    )
    count = len(rows) if len(rows) < REMINDER_LIMIT else due.count()
    birthdays = list(contacts_with_birthdays(user, [timezone.localdate(now)]))
    return Reminders(activities=rows, count=count, birthdays=birthdays, now=now)


def calendar_feed_of(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def tier_rules_listed() -> QuerySet[TierRule]:
    return TierRule.objects.select_related("tier").order_by("tier__position", "tier__code", "pk")
