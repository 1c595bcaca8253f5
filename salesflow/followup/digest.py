"""The daily digest: one email a day to each user with work due, never twice the same day.

What it holds, for the user's own records (they own them):
- activities still open that are due today or overdue;
- accounts due for contact (next contact due today or earlier);
- rotting deals (idle in their stage longer than the stage's rotting days) and open deals with
  no next step (no open activity) or an overdue one;
- their contacts' birthdays in the next 7 days and customer anniversaries (the anniversary of
  an account's first won deal, by its `closed_on`) in the next 7 days.
A user with none of these gets no email.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.customers.models import Account
from salesflow.customers.selectors import birthday_of
from salesflow.followup.ics import absolute, base_url, title_of
from salesflow.followup.models import DigestSent
from salesflow.followup.selectors import contacts_with_birthdays
from salesflow.pipeline.models import WON_OUTCOMES, Deal, Outcome
from salesflow.pipeline.selectors import (
    NEXT_STEP_NONE,
    NEXT_STEP_OVERDUE,
    deal_next_step_state,
    deals_warnings,
)
from salesflow.users.models import User

logger = logging.getLogger(__name__)

AHEAD_DAYS = 7  # birthdays and anniversaries in the coming week (today included)
SHOWN = 25  # rows shown per section; the count says how many more


@dataclass
class Section:
    key: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


@dataclass
class Digest:
    user: Any
    day: dt.date
    sections: list[Section]

    @property
    def total(self) -> int:
        return sum(section.count for section in self.sections)

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def _moment(day: dt.date) -> dt.datetime:
    """ "Now" for the day's digest: the real now today, else the day's end (or a past day's)."""
    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def _section(key: str, title: str, rows: list[dict[str, Any]], count: int | None = None) -> Section:
    return Section(key, title, rows[:SHOWN], len(rows) if count is None else count)


def _anniversary(first: dt.date, days: list[dt.date]) -> tuple[dt.date, int] | None:
    """The first anniversary (a year or more) of `first` among `days`, and its years: the same
    rule as a birthday (customers.selectors.birthday_of)."""
    coming = birthday_of(first, today=days[0])
    if coming is None or coming.next_on > days[-1] or coming.next_age < 1:
        return None
    return coming.next_on, coming.next_age


def digest_build(user: Any, *, day: dt.date) -> Digest:
    """The user's digest for `day`: about ten queries, whatever the number of rows."""
    at = _moment(day)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    sections = []

    due = Activity.objects.filter(owner=user, done_at__isnull=True, due_at__lt=end)
    due_rows = [
        {
            "text": title_of(activity),
            "when": activity.due_at,
            "overdue": activity.due_at < at,
            "url": absolute(activity.get_absolute_url()),
        }
        for activity in due.select_related("deal", "account", "contact", "lead").order_by(
            "due_at", "pk"
        )[:SHOWN]
    ]
    sections.append(_section("activities", "Due and overdue follow-ups", due_rows, due.count()))

    accounts = Account.objects.filter(owner=user, next_contact_due_on__lte=day)
    account_rows = [
        {
            "text": f"{account.name} (tier {account.tier})",
            "when": account.next_contact_due_on,
            "overdue": account.next_contact_due_on < day,
            "url": absolute(account.get_absolute_url()),
        }
        for account in accounts.order_by("next_contact_due_on", "name")[:SHOWN]
    ]
    sections.append(
        _section("accounts", "Accounts due for contact", account_rows, accounts.count())
    )

    deals = list(
        Deal.objects.filter(owner=user, outcome=Outcome.OPEN)
        .select_related("stage")
        .order_by("stage_entered_at", "pk")
    )
    warnings = deals_warnings(deals, now=at)
    rotting = [
        {
            "text": f"{deal.name}: {warning.message}",
            "url": absolute(deal.get_absolute_url()),
        }
        for deal in deals
        for warning in warnings.get(deal.pk, [])
        if warning.code == "rotting"
    ]
    sections.append(_section("rotting", "Rotting deals", rotting))
    states = {deal.pk: deal_next_step_state(deal, now=at) for deal in deals}
    no_step = [
        {
            "text": f"{deal.name}: no next step planned"
            if states[deal.pk] == NEXT_STEP_NONE
            else f"{deal.name}: the next step is overdue",
            "url": absolute(deal.get_absolute_url()),
        }
        for deal in deals
        if states[deal.pk] in (NEXT_STEP_NONE, NEXT_STEP_OVERDUE)
    ]
    sections.append(_section("next_step", "Deals without a next step (or an overdue one)", no_step))

    days = [day + dt.timedelta(days=offset) for offset in range(AHEAD_DAYS)]
    birthdays = []
    for contact in contacts_with_birthdays(user, days):
        # The customers app's birthday rule (29 February falls on the 28th in other years).
        birthday = birthday_of(contact.birthday, today=day)
        birthdays.append(
            {
                "text": f"{contact.full_name}"
                + (f" ({contact.account.name})" if contact.account_id else "")
                + (f" turns {birthday.next_age}" if contact.birthday.year > 1900 else ""),
                "when": birthday.next_on,
                "url": absolute(contact.get_absolute_url()),
            }
        )
    birthdays.sort(key=lambda row: row["when"])
    sections.append(_section("birthdays", "Birthdays in the coming week", birthdays))

    firsts = (
        Deal.objects.filter(account__owner=user, outcome__in=WON_OUTCOMES, closed_on__isnull=False)
        .order_by()
        .values("account", "account__name")
        .annotate(first=Min("closed_on"))
    )
    anniversaries = []
    for row in firsts:
        found = _anniversary(row["first"], days)
        if found is not None:
            when, years = found
            anniversaries.append(
                {
                    "text": f"{row['account__name']}: {years} year{'s' if years != 1 else ''} "
                    "a customer",
                    "when": when,
                    "url": absolute(reverse("customers:account-detail", args=[row["account"]])),
                }
            )
    anniversaries.sort(key=lambda row: row["when"])
    sections.append(_section("anniversaries", "Customer anniversaries", anniversaries))
    return Digest(user=user, day=day, sections=sections)


def digest_message(digest: Digest, *, connection: Any = None) -> EmailMultiAlternatives:
    context = {
        "digest": digest,
        "user": digest.user,
        "base_url": base_url(),
        "settings_url": absolute(reverse("followup:due")),
    }
    count = digest.total
    subject = f"Your follow-ups for {digest.day:%A %-d %B}: {count} item{'s' if count != 1 else ''}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("followup/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("followup/email/digest.html", context), "text/html")
    return message


def digest_send(user: Any, *, day: dt.date, connection: Any = None) -> bool:
    """Send the user's digest for `day` unless it went out already, the user has no email
    address, or nothing is due. The `DigestSent` row is written in the same transaction as the
    send: if the mail server refuses, nothing is recorded and the next run tries again; two
    workers at once cannot both send (the row is unique per user and day)."""
    if not user.is_active or not user.email:
        return False
    if DigestSent.objects.filter(user=user, day=day).exists():
        return False
    digest = digest_build(user, day=day)
    if digest.is_empty:
        return False
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, day=day, items=digest.total)
            digest_message(digest, connection=connection).send()
    except IntegrityError:
        return False
    return True


@dataclass
class DigestRun:
    sent: int = 0
    failed: int = 0
    nothing_due: int = 0
    already_sent: int = 0  # users who had the day's digest before this run


def digest_hour() -> int:
    return int(getattr(settings, "SALESFLOW_DIGEST_HOUR", 7))


def digests_send(*, day: dt.date | None = None, respect_hour: bool = False) -> DigestRun:
    """Send the day's digests to every active user with an email address who has not had
    theirs. With `respect_hour` (the scheduled task), nothing goes out before
    SALESFLOW_DIGEST_HOUR o'clock (TIME_ZONE). One SMTP connection for the whole run; a user
    whose digest fails is counted and retried on the next run."""
    now = timezone.localtime()
    day = day or now.date()
    run = DigestRun()
    if respect_hour and day == now.date() and now.hour < digest_hour():
        return run
    already = DigestSent.objects.filter(day=day).values("user_id")
    reachable = User.objects.filter(is_active=True).exclude(email="")
    run.already_sent = reachable.filter(pk__in=already).count()
    users = reachable.exclude(pk__in=already).order_by("pk")
    connection = get_connection()
    try:
        for user in users:
            try:
                if digest_send(user, day=day, connection=connection):
                    run.sent += 1
                else:
                    run.nothing_due += 1
            except Exception:
                logger.exception("The digest of %s for %s could not be sent", user, day)
                run.failed += 1
                connection.close()  # start afresh: the server may be back for the next one
    finally:
        connection.close()
    return run
