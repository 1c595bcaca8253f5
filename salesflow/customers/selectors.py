from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.core.normalize import name_key
from salesflow.customers.models import Account, Contact
from salesflow.customfields.selectors import custom_filter_q
from salesflow.users import policy


def accounts_visible_to(user: Any) -> QuerySet[Account]:
    """Accounts the user may read: by the policy, or because they may read a deal on it."""
    own = policy.readable_q(user)
    if own == Q():
        return Account.objects.all()
    return Account.objects.filter(own | _readable_through_a_deal(Account, user))


def accounts_writable_by(user: Any) -> QuerySet[Account]:
    return Account.objects.filter(policy.writable_q(user))


def contacts_visible_to(user: Any, *, whole_list: bool = False) -> QuerySet[Contact]:
    """Contacts the user may read: by the policy, or as the primary contact of a readable deal.

    `whole_list` (the contact list, which counts every readable contact on each page): "a
    readable deal's primary contact" as `pk IN (the readable deals' primary contacts)`, which
    SQLite reads once per query into a list, instead of an EXISTS probed per contact (the
    count of a rep's 100,000 contacts 40 to 25 ms of CPU)."""
    own = policy.readable_q(user)
    if own == Q():
        return Contact.objects.all()
    if whole_list:
        relation = Contact._meta.get_field("deals")
        deals = relation.related_model.objects.filter(policy.readable_q(user))
        attname = relation.field.attname
        through = Q(pk__in=deals.filter(**{f"{attname}__isnull": False}).values(attname))
        return Contact.objects.filter(own | through)
    return Contact.objects.filter(own | _readable_through_a_deal(Contact, user))


def _readable_through_a_deal(model: type[Model], user: Any) -> Q | Exists:
    """The accounts (or contacts) on a deal the user may read, through the reverse relation
    `deals`, so this app needs no import of the pipeline app.

    SQLite: a correlated EXISTS on the deal's indexed foreign key, checked per row, so a page
    stops after its rows. At 10,000 accounts, 100,000 contacts and 100,000 deals: a rep's account
    list 549 to 145 ms, the account page 232 to 35 ms, a manager's "Log activity" 219 to 25 ms,
    the contact list 156 to 142 ms; a search of the contact list got slower (334 to 461 ms, over
    its target either way: docs/benchmarks.md). PostgreSQL keeps `pk IN (subquery)`, which it
    hashes once: there the EXISTS form made a list's count twice as slow."""
    if connection.vendor == "sqlite":
        relation = model._meta.get_field("deals")
        deals = relation.related_model.objects.filter(policy.readable_q(user))
        return Exists(deals.filter(**{relation.field.attname: OuterRef("pk")}))
    return Q(pk__in=model.objects.filter(policy.readable_q(user, "deals__")).values("pk"))


def account_get_by_name_for_user(user: Any, name: str) -> Account | None:
    """The readable account of that name (capitals and spacing ignored), the oldest when
    several; None when there is none the user may read."""
    key = name_key(name)
    if not key:
        return None
    return accounts_visible_to(user).filter(name_key=key).order_by("pk").first()


def account_parent_for_user(user: Any, account: Account) -> Account | None:
    """The account's parent when the user may read it; None otherwise (or when it has none)."""
    if account.parent_id is None:
        return None
    return accounts_visible_to(user).filter(pk=account.parent_id).first()


def account_children_visible_to(user: Any, account: Account) -> QuerySet[Account]:
    """The accounts that name this one as their parent, among those the user may read."""
    return accounts_visible_to(user).filter(parent=account).order_by("name", "pk")


def accounts_filtered(
    user: Any, *, q: str = "", custom: Mapping[str, Any] | None = None, **filters: Any
) -> QuerySet[Account]:
    """The account list: visible accounts whose name (any capitals, `name_key`) or website
    holds `q`, with the list's
    filters (field lookups such as `industry`, `tier`, `owner`)."""
    accounts = accounts_visible_to(user).select_related("owner")
    if q:
        accounts = accounts.filter(accounts_name_key_q(q) | Q(website__icontains=q))
    if custom:
        accounts = accounts.filter(custom_filter_q("account", custom))
    return accounts.filter(**filters)


def account_values_visible_to(user: Any, field: str) -> list[str]:
    """The distinct non-empty values of an account column among the accounts the user may
    read, sorted: the choices of the account list's industry and region filters."""
    # The access rule on the rows themselves (not `pk IN (the readable accounts)`), so "readable
    # through a deal" is one index probe per account (issue #10, lists).
    rows = accounts_visible_to(user).exclude(**{field: ""})
    return list(rows.order_by(field).values_list(field, flat=True).distinct())


def contacts_filtered(
    user: Any,
    *,
    q: str = "",
    consent: str = "",
    custom: Mapping[str, Any] | None = None,
    **filters: Any,
) -> QuerySet[Contact]:
    """The contact list: visible contacts matching every word of `q` (in the name, email,
    phone or account name), `consent` (`yes`, `no` or `dnc` for do-not-contact) and the list's
    other filters."""
    # Without a search, every readable contact is counted on each page: the rule as a list.
    # A search checks its few matches one by one (EXISTS), the list cost it 20-30 ms more.
    readable = contacts_visible_to(user, whole_list=not q.split())
    contacts = readable.select_related("account", "owner")
    words = Q()
    for word in q.split():
        words &= (
            contacts_name_key_q(word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
            | records_of_accounts_named_q(word)
        )
    contacts = contacts.filter(words)
    if q.split():
        # The list's order (last name, first name) as an expression, which no index gives: a
        # search scans the table once and sorts its matches, where walking the name index in
        # order read every contact up to the first match ("weber": 160 to 58 ms of CPU at
        # 100,000 contacts). The same order (names are never null), ties by primary key.
        contacts = contacts.order_by(Coalesce("last_name", V("")), "first_name", "pk")
    if consent == "dnc":
        contacts = contacts.filter(do_not_contact=True)
    elif consent:
        contacts = contacts.filter(has_consent=consent == "yes")
    if custom:
        contacts = contacts.filter(custom_filter_q("contact", custom))
    return contacts.filter(**filters)


def accounts_name_key_q(text: str, *, prefix: str = "") -> Q:
    """Accounts whose name holds `text`, whatever its capitals or spacing ("ärzte" finds
    "ÄRZTE GmbH", on SQLite as on PostgreSQL). Blank text matches every account.

    `prefix` reaches an account through a relation: `prefix="account__"` on contacts or deals.
    """
    return _name_key_contains_q(text, field=f"{prefix}name_key")


def records_of_accounts_named_q(text: str, *, field: str = "account") -> Q:
    """Contacts or deals (their foreign key `field`) whose account's name holds `text`, as
    `accounts_name_key_q` finds them, written `account_id IN (the matching accounts)`: a list
    search reads the account table once instead of joining every contact or deal to its
    account to test the name (issue #10, lists: a third of a contact search's time at 100,000
    contacts). Blank text: Q() (which an OR leaves out, like `accounts_name_key_q`'s)."""
    key = name_key(text)
    if not key:
        return Q()
    return Q(**{f"{field}__in": Account.objects.filter(name_key__contains=key).values("pk")})


def contacts_name_key_q(text: str, *, prefix: str = "") -> Q:
    """Contacts whose full name ("first last") holds `text`, whatever its capitals or spacing.
    Blank text matches every contact."""
    return _name_key_contains_q(text, field=f"{prefix}name_key")


def _name_key_contains_q(text: str, *, field: str) -> Q:
    key = name_key(text)
    # Both sides are folded already, so a plain (case-sensitive) `contains` is enough.
    return Q(**{f"{field}__contains": key}) if key else Q()


def account_get_for_user(user: Any, pk: int, *, write: bool = False) -> Account:
    """The account, or 404 when the user may not read it, or AccessDenied when read-only."""
    account = get_object_or_404(accounts_visible_to(user).select_related("owner"), pk=pk)
    if write and not policy.can_write(user, account):
        raise AccessDenied("You may see this account but not change it.")
    return account


def contact_get_for_user(user: Any, pk: int, *, write: bool = False) -> Contact:
    contact = get_object_or_404(contacts_visible_to(user).select_related("account"), pk=pk)
    if write and not policy.can_write(user, contact):
        raise AccessDenied("You may see this contact but not change it.")
    return contact


# Customer 360: the personal profile ------------------------------------------------------------

# The account page lists its contacts' birthdays this many days ahead.
BIRTHDAYS_AHEAD_DAYS = 30


@dataclass(frozen=True)
class Birthday:
    """A birthday seen from `today`: the age now, and the next one (today counts as next)."""

    born_on: dt.date
    age: int
    next_on: dt.date
    days_until: int

    @property
    def next_age(self) -> int:
        return self.age if self.days_until == 0 else self.age + 1


def _anniversary(born_on: dt.date, year: int) -> dt.date:
    """The birthday in `year`; one on 29 February falls on the 28th in other years."""
    try:
        return born_on.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def birthday_of(born_on: dt.date | None, *, today: dt.date | None = None) -> Birthday | None:
    """Age and next birthday of someone born on `born_on` (None for no birthday)."""
    if born_on is None:
        return None
    today = today or timezone.localdate()
    this_year = _anniversary(born_on, today.year)
    age = today.year - born_on.year - (1 if this_year > today else 0)
    next_on = this_year if this_year >= today else _anniversary(born_on, today.year + 1)
    return Birthday(born_on, max(age, 0), next_on, (next_on - today).days)


def contacts_birthdays_upcoming(
    contacts: Iterable[Contact],
    *,
    today: dt.date | None = None,
    days: int = BIRTHDAYS_AHEAD_DAYS,
) -> list[tuple[Contact, Birthday]]:
    """The contacts (already fetched, e.g. an account's) whose birthday comes within `days`,
    soonest first."""
    today = today or timezone.localdate()
    found = []
    for contact in contacts:
        birthday = birthday_of(contact.birthday, today=today)
        if birthday is not None and birthday.days_until <= days:
            found.append((contact, birthday))
    return sorted(found, key=lambda pair: (pair[1].days_until, pair[0].full_name))
