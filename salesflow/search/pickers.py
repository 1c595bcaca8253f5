"""The queries behind the record pickers (`search:pick`): a few records of one kind that the
user may read, matching what they typed, narrowed by the picker's filters.

Fast at 100,000 records, always with LIMIT:
- two letters or more: the global search's matching (`search.selectors.records_matching_qs`):
  each word typed starts a word of the name, email, phone, company or account name, looked up
  in its full-text indexes (SQLite FTS5, PostgreSQL GIN), ranked (name start first);
- one letter (or a database without those indexes): the folded `name_key` matched first as a
  prefix (a range on the column's index, so the database reads only the rows it returns), then
  inside the name or as the email's start (a scan that stops after `limit` hits). Deals have
  no folded name column, so their name is matched case-insensitively;
- nothing typed: the newest records (the primary key's index read backwards).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from salesflow.core.normalize import name_key
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.models import Lead
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.models import Deal
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.search.selectors import records_matching_qs, search_supported, search_terms

PICK_LIMIT = 20
QUERY_MAX_LENGTH = 100
# The highest code point: every string that starts with `key` sorts before `key + TOP`.
TOP = "\U0010ffff"


class PickError(ValueError):
    """A picker parameter that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PickerKind:
    visible: Callable[[Any], QuerySet]
    text: Callable[[Any], str]
    hint: Callable[[Any], str]
    key_field: str | None  # the folded, indexed name column; None: match `name` directly
    email: bool = False  # also match the start of the email address
    related: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()  # the narrowing parameters this kind accepts


def _join(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part)


def _contact_hint(contact: Contact) -> str:
    return _join(contact.account.name if contact.account_id else "", contact.email)


def _lead_hint(lead: Lead) -> str:
    return _join(lead.company, lead.email, lead.get_status_display())


def _deal_hint(deal: Deal) -> str:
    return _join(deal.account.name if deal.account_id else "", deal.stage.name)


def _account_hint(account: Account) -> str:
    return _join(account.industry, account.region)


KINDS: dict[str, PickerKind] = {
    "account": PickerKind(
        visible=accounts_visible_to,
        text=lambda a: a.name,
        hint=_account_hint,
        key_field="name_key",
        filters=("exclude",),
    ),
    "contact": PickerKind(
        visible=contacts_visible_to,
        text=lambda c: c.full_name,
        hint=_contact_hint,
        key_field="name_key",
        email=True,
        related=("account",),
        filters=("account", "deal", "exclude"),
    ),
    "lead": PickerKind(
        visible=leads_visible_to,
        text=lambda lead: lead.display_name,
        hint=_lead_hint,
        key_field="name_key",
        email=True,
        filters=("exclude",),
    ),
    "deal": PickerKind(
        visible=deals_visible_to,
        text=lambda d: d.name,
        hint=_deal_hint,
        key_field=None,
        related=("account", "stage"),
        filters=("account", "exclude"),
    ),
}


def _id_param(params: Any, name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise PickError(name, f"{name} must be a record id (a whole number).")
    return int(raw)


def pick_params(kind: str, params: Any) -> dict[str, Any]:
    """The picker's query string checked: `q`, `limit` and the kind's filters.

    Raises PickError naming the parameter that cannot be used.
    """
    picker = KINDS[kind]
    q = params.get("q") or ""
    if len(q) > QUERY_MAX_LENGTH:
        raise PickError("q", f"q is at most {QUERY_MAX_LENGTH} characters.")
    limit = _id_param(params, "limit")
    if limit is not None and not 1 <= limit <= PICK_LIMIT:
        raise PickError("limit", f"limit is between 1 and {PICK_LIMIT}.")
    known = {"q", "limit", *picker.filters}
    for name in params:
        if name not in known:
            raise PickError(name, f"{name} is not a filter of the {kind} picker.")
    found: dict[str, Any] = {"q": q, "limit": limit or PICK_LIMIT}
    for name in picker.filters:
        found[name] = _id_param(params, name)
    return found


def records_for_picker(
    user: Any,
    kind: str,
    *,
    q: str = "",
    limit: int = PICK_LIMIT,
    account: int | None = None,
    deal: int | None = None,
    exclude: int | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` records of `kind` the user may read, as `{value, text, hint}`.

    `account` narrows contacts and deals to one account; `deal` (contacts) leaves out the
    deal's stakeholders and puts its account's contacts first; `exclude` leaves out one record
    (an account cannot be its own parent). Raises PickError for a deal the user cannot read.
    """
    picker = KINDS[kind]
    # Two letters or more: the global search's word-prefix match over its full-text indexes
    # (name, email, phone, company, the account's name), ranked. Shorter: the name's start.
    indexed = bool(search_terms(q)) and search_supported()
    if indexed:
        rows = records_matching_qs(user, kind=kind, q=q)
    else:
        rows = picker.visible(user)
        if picker.related:
            rows = rows.select_related(*picker.related)
    if account is not None:
        rows = rows.filter(account_id=account)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    preferred: QuerySet | None = None
    if deal is not None:
        found = deals_visible_to(user).filter(pk=deal).values_list("account_id", flat=True)
        found = list(found)
        if not found:
            raise PickError("deal", "deal is not a deal you may read.")
        rows = rows.exclude(stakeholdings__deal_id=deal)
        if found[0] is not None and account is None:
            preferred = rows.filter(account_id=found[0])
    records: list[Any] = []
    for part in ([preferred] if preferred is not None else []) + [rows]:
        if len(records) >= limit:
            break
        seen = {r.pk for r in records}
        if indexed:
            part = part.exclude(pk__in=seen) if seen else part
            records += list(part[: limit - len(records)])
        else:
            records += _matching(picker, part, q, limit - len(records), seen, user.pk)
    return [{"value": r.pk, "text": picker.text(r), "hint": picker.hint(r)} for r in records]


def _matching(
    picker: PickerKind, rows: QuerySet, q: str, limit: int, seen: set[int], owner: int | None
) -> list[Any]:
    """Prefix matches first (by name), then matches inside the name or the email's start."""
    if seen:
        rows = rows.exclude(pk__in=seen)
    field = picker.key_field
    if not q.strip():
        # Nothing typed yet: the newest records (the primary key's index, read backwards), the
        # user's own first (cheap: the "readable through a deal" check is not reached).
        found = list(rows.filter(owner_id=owner).order_by("-pk")[:limit])
        if len(found) < limit:
            rest = rows.exclude(pk__in=[r.pk for r in found]) if found else rows
            found += list(rest.order_by("-pk")[: limit - len(found)])
        return found
    if field is None:
        # No index on the name: newest first, so the scan stops after `limit` hits.
        prefix = rows.filter(name__istartswith=q.strip()).order_by("-pk")
        found = list(prefix[:limit])
        if len(found) < limit:
            inside = rows.filter(name__icontains=q.strip()).exclude(name__istartswith=q.strip())
            found += list(inside.order_by("-pk")[: limit - len(found)])
        return found
    key = name_key(q)
    if not key:
        return []
    # The range uses the index; `startswith` keeps the result right under any collation.
    prefix = rows.filter(
        **{f"{field}__gte": key, f"{field}__lt": key + TOP, f"{field}__startswith": key}
    ).order_by(field, "pk")
    found = list(prefix[:limit])
    if len(found) < limit:
        inside = Q(**{f"{field}__contains": key})
        if picker.email:
            inside |= Q(email__startswith=q.strip().lower())
        more = rows.filter(inside).exclude(pk__in=[r.pk for r in found])
        found += list(more.order_by(field, "pk")[: limit - len(found)])
    return found
