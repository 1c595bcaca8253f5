"""Every write to products, quotes and their lines. Each status move writes a QuoteStatusChange.

A quote's lines and terms change only while it is a draft; every change, line changes
included, bumps the quote's `version`, so `expected_version` guards the whole proposal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils import timezone

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.core.selectors import site_settings
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.pipeline.models import Deal
from salesflow.quotes.models import (
    Product,
    Quote,
    QuoteLine,
    QuoteSettings,
    QuoteStatus,
    QuoteStatusChange,
)
from salesflow.quotes.selectors import quote_needs_approval, quote_settings
from salesflow.users import policy
from salesflow.users.services import record_require_write

PRODUCT_FIELDS = {"name", "sku", "description", "unit_price", "currency", "tax_rate", "is_active"}
QUOTE_FIELDS = {"currency", "discount_percent", "valid_until", "notes"}
LINE_FIELDS = {"product", "description", "quantity", "unit_price", "discount_percent", "tax_rate"}
SETTINGS_FIELDS = {
    "approval_discount_threshold",
    "validity_days",
    "company_name",
    "company_details",
}

S = QuoteStatus
# The moves a quote may make; anything else is refused with a DomainError.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PENDING_APPROVAL, S.SENT},
    S.PENDING_APPROVAL: {S.APPROVED, S.DRAFT, S.SUPERSEDED},
    S.APPROVED: {S.SENT, S.SUPERSEDED},
    S.SENT: {S.ACCEPTED, S.REJECTED, S.SUPERSEDED},
    S.REJECTED: {S.SUPERSEDED},
    S.ACCEPTED: set(),
    S.SUPERSEDED: set(),
}


# Products and settings (admins) -------------------------------------------------------------


@transaction.atomic
def product_create(*, acting_user: Any, **data: Any) -> Product:
    policy.require_admin(acting_user)
    data.setdefault("currency", site_settings().default_currency)
    product = Product()
    fields_assign(product, data, allowed=PRODUCT_FIELDS)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_update(
    product: Product, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Product:
    """Change a product. Quotes keep the price and tax they were written with."""
    policy.require_admin(acting_user)
    changed = fields_assign(product, data, allowed=PRODUCT_FIELDS)
    return instance_save_versioned(product, changed=changed, expected_version=expected_version)


@transaction.atomic
def quote_settings_update(*, acting_user: Any, **data: Any) -> QuoteSettings:
    policy.require_admin(acting_user)
    settings_row = quote_settings()
    if fields_assign(settings_row, data, allowed=SETTINGS_FIELDS):
        settings_row.full_clean()
        settings_row.save()
    return settings_row


# Quotes and lines ---------------------------------------------------------------------------


def _number_next(at: dt.datetime) -> str:
    """The next free Q-<year>-<nnnn>. Locks the settings row so two writers never pick the same."""
    quote_settings()
    QuoteSettings.objects.select_for_update().get(pk=1)
    prefix = f"Q-{timezone.localdate(at).year}-"
    last = (
        Quote.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _transition_check(quote: Quote, to_status: str) -> None:
    if to_status not in TRANSITIONS[quote.status]:
        raise DomainError(
            f"Quote {quote} is {quote.get_status_display().lower()}, so it cannot be marked "
            f"{QuoteStatus(to_status).label.lower()}."
        )


def _status_set(
    quote: Quote,
    *,
    to_status: str,
    acting_user: Any,
    at: dt.datetime,
    changed: list[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Quote:
    from_status = quote.status
    _transition_check(quote, to_status)
    quote.status = to_status
    instance_save_versioned(
        quote, changed=["status", *(changed or [])], expected_version=expected_version
    )
    QuoteStatusChange.objects.create(
        quote=quote,
        from_status=from_status,
        to_status=to_status,
        changed_at=at,
        changed_by=acting_user,
        note=note,
    )
    return quote


def _require_draft(quote: Quote) -> None:
    if not quote.is_editable:
        raise DomainError(
            f"Quote {quote} is {quote.get_status_display().lower()}: only a draft can be changed. "
            "Revise it to make a new version."
        )


def _touch(quote: Quote, *, expected_version: int | None) -> None:
    """Bump the quote's version for a change to its lines, refusing a stale edit."""
    instance_save_versioned(quote, changed=["updated_at"], expected_version=expected_version)


def _valid_until_check(valid_until: dt.date | None, *, today: dt.date) -> None:
    if valid_until is not None and valid_until < today:
        raise ValidationError({"valid_until": "The validity date has passed; choose a later one."})


@transaction.atomic
def quote_create(
    deal: Deal, *, acting_user: Any, at: dt.datetime | None = None, **data: Any
) -> Quote:
    """Start a draft quote (v1) for the deal, numbered Q-<year>-<nnnn>."""
    record_require_write(acting_user, deal)
    at = at or timezone.now()
    today = timezone.localdate(at)
    data.setdefault("currency", deal.currency)
    data.setdefault("valid_until", today + dt.timedelta(days=quote_settings().validity_days))
    _valid_until_check(data["valid_until"], today=today)
    quote = Quote(deal=deal, created_by=acting_user)
    fields_assign(quote, data, allowed=QUOTE_FIELDS)
    quote.number = _number_next(at)
    quote.full_clean()
    quote.save()
    QuoteStatusChange.objects.create(
        quote=quote, to_status=quote.status, changed_at=at, changed_by=acting_user
    )
    return quote


@transaction.atomic
def quote_update(
    quote: Quote, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Quote:
    """Change a draft's terms: currency, quote-wide discount, validity, notes."""
    record_require_write(acting_user, quote.deal)
    _require_draft(quote)
    if "valid_until" in data:
        _valid_until_check(data["valid_until"], today=timezone.localdate())
    changed = fields_assign(quote, data, allowed=QUOTE_FIELDS)
    return instance_save_versioned(quote, changed=changed, expected_version=expected_version)


def _line_defaults(quote: Quote, data: dict[str, Any]) -> dict[str, Any]:
    """Fill a line from its product: name as description, list price and tax rate."""
    product = data.get("product")
    if product is None:
        return data
    if not product.is_active:
        raise ValidationError({"product": f"{product} is no longer sold."})
    if "unit_price" not in data and product.currency != quote.currency:
        raise ValidationError(
            {
                "unit_price": f"{product} is priced in {product.currency} and this quote is in "
                f"{quote.currency}: enter the unit price."
            }
        )
    data.setdefault("description", product.name)
    data.setdefault("unit_price", product.unit_price)
    data.setdefault("tax_rate", product.tax_rate)
    return data


@transaction.atomic
def quote_line_add(
    quote: Quote, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> QuoteLine:
    """Add a line at the end; a product fills what the caller leaves out."""
    record_require_write(acting_user, quote.deal)
    _require_draft(quote)
    data = _line_defaults(quote, dict(data))
    line = QuoteLine(quote=quote)
    fields_assign(line, data, allowed=LINE_FIELDS)
    last = quote.lines.aggregate(last=Max("position"))["last"]
    line.position = 0 if last is None else last + 1
    line.full_clean()
    _touch(quote, expected_version=expected_version)
    line.save()
    return line


@transaction.atomic
def quote_line_update(
    line: QuoteLine, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> QuoteLine:
    quote = line.quote
    record_require_write(acting_user, quote.deal)
    _require_draft(quote)
    changed = fields_assign(line, data, allowed=LINE_FIELDS | {"position"})
    if "product" in changed:
        _line_defaults(quote, {"product": line.product})
    if not changed:
        return line
    line.full_clean()
    _touch(quote, expected_version=expected_version)
    line.save(update_fields=changed)
    return line


@transaction.atomic
def quote_line_delete(
    line: QuoteLine, *, acting_user: Any, expected_version: int | None = None
) -> None:
    quote = line.quote
    record_require_write(acting_user, quote.deal)
    _require_draft(quote)
    _touch(quote, expected_version=expected_version)
    line.delete()


def _sendable_check(quote: Quote, *, today: dt.date) -> None:
    if not quote.lines.exists():
        raise DomainError(
            "Add at least one line before sending the quote.",
            missing=[{"code": "quote_lines", "message": "Add at least one line."}],
        )
    if quote.valid_until is not None and quote.valid_until < today:
        raise DomainError(
            "The quote's validity date has passed; set a later one or revise the quote.",
            missing=[{"code": "quote_valid_until", "message": "Set a later validity date."}],
        )


@transaction.atomic
def quote_submit_for_approval(
    quote: Quote,
    *,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Ask a manager to approve the draft (needed when a discount is above the threshold)."""
    record_require_write(acting_user, quote.deal)
    _transition_check(quote, S.PENDING_APPROVAL)
    at = at or timezone.now()
    _sendable_check(quote, today=timezone.localdate(at))
    return _status_set(
        quote,
        to_status=S.PENDING_APPROVAL,
        acting_user=acting_user,
        at=at,
        note=note,
        expected_version=expected_version,
    )


def _require_approver(acting_user: Any, quote: Quote) -> None:
    """Approvers: an admin, or a manager of the deal's team. Never the rep asking."""
    if not getattr(acting_user, "is_authenticated", False):
        raise AccessDenied("Sign in to approve quotes.")
    if acting_user.is_admin:
        return
    team_id = quote.deal.team_id
    if not (acting_user.is_manager and team_id in policy.team_ids_of(acting_user)):
        raise AccessDenied("Only a manager of the deal's team or an admin may approve this quote.")


@transaction.atomic
def quote_approve(
    quote: Quote,
    *,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    _require_approver(acting_user, quote)
    _transition_check(quote, S.APPROVED)
    at = at or timezone.now()
    quote.approved_by = acting_user
    quote.approved_at = at
    return _status_set(
        quote,
        to_status=S.APPROVED,
        acting_user=acting_user,
        at=at,
        changed=["approved_by", "approved_at"],
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def quote_approval_decline(
    quote: Quote,
    *,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Send a quote waiting for approval back to draft, saying why in `note`."""
    _require_approver(acting_user, quote)
    if quote.status != S.PENDING_APPROVAL:
        raise DomainError(f"Quote {quote} is not waiting for approval.")
    return _status_set(
        quote,
        to_status=S.DRAFT,
        acting_user=acting_user,
        at=at or timezone.now(),
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def quote_send(
    quote: Quote,
    *,
    acting_user: Any,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Mark the quote sent to the customer: it needs lines, and approval if discounted above the
    threshold. Sending is recorded here; delivering the proposal (print, email) is the rep's."""
    record_require_write(acting_user, quote.deal)
    at = at or timezone.now()
    if quote.deal.is_closed:
        raise DomainError(f"The deal {quote.deal} is closed; reopen it to send a quote.")
    _transition_check(quote, S.SENT)
    _sendable_check(quote, today=timezone.localdate(at))
    if quote.status == S.DRAFT and quote_needs_approval(quote):
        threshold = quote_settings().approval_discount_threshold
        raise DomainError(
            f"A discount above {threshold.normalize():f}% needs a manager's approval before the "
            "quote is sent.",
            missing=[{"code": "quote_approval", "message": "Ask a manager to approve it."}],
        )
    quote.sent_at = at
    return _status_set(
        quote,
        to_status=S.SENT,
        acting_user=acting_user,
        at=at,
        changed=["sent_at"],
        expected_version=expected_version,
    )


def _decide(
    quote: Quote,
    *,
    to_status: str,
    acting_user: Any,
    note: str,
    expected_version: int | None,
    at: dt.datetime | None,
) -> Quote:
    record_require_write(acting_user, quote.deal)
    _transition_check(quote, to_status)
    at = at or timezone.now()
    quote.decided_at = at
    return _status_set(
        quote,
        to_status=to_status,
        acting_user=acting_user,
        at=at,
        changed=["decided_at"],
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def quote_accept(
    quote: Quote,
    *,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Record that the customer accepted the sent quote."""
    return _decide(
        quote,
        to_status=S.ACCEPTED,
        acting_user=acting_user,
        note=note,
        expected_version=expected_version,
        at=at,
    )


@transaction.atomic
def quote_reject(
    quote: Quote,
    *,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Record that the customer rejected the sent quote; `note` keeps their objection."""
    return _decide(
        quote,
        to_status=S.REJECTED,
        acting_user=acting_user,
        note=note,
        expected_version=expected_version,
        at=at,
    )


@transaction.atomic
def quote_revise(
    quote: Quote,
    *,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Copy the quote and its lines into the next revision, a draft, and supersede this one.

    What the customer saw stays unchanged on the old revision; `note` says why (the objection).
    """
    record_require_write(acting_user, quote.deal)
    at = at or timezone.now()
    today = timezone.localdate(at)
    _status_set(
        quote,
        to_status=S.SUPERSEDED,
        acting_user=acting_user,
        at=at,
        note=note,
        expected_version=expected_version,
    )
    valid_until = quote.valid_until
    if valid_until is None or valid_until < today:
        valid_until = today + dt.timedelta(days=quote_settings().validity_days)
    revision = Quote(
        deal=quote.deal,
        number=quote.number,
        revision=quote.revision + 1,
        currency=quote.currency,
        discount_percent=quote.discount_percent,
        valid_until=valid_until,
        notes=quote.notes,
        created_by=acting_user,
    )
    revision.full_clean()
    revision.save()
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=revision,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_rate=line.tax_rate,
            position=line.position,
        )
        for line in quote.lines.order_by("position", "pk")
    )
    QuoteStatusChange.objects.create(
        quote=revision, to_status=revision.status, changed_at=at, changed_by=acting_user, note=note
    )
    return revision
