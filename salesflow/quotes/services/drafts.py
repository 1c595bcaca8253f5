"""A draft quote: starting it, its terms and its lines.

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

from salesflow.core.errors import DomainError
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.pipeline.models import Deal
from salesflow.quotes.models import Quote, QuoteLine, QuoteSettings, QuoteStatusChange
from salesflow.quotes.selectors import quote_settings
from salesflow.users.services import record_require_write

QUOTE_FIELDS = {"currency", "discount_percent", "valid_until", "notes"}
LINE_FIELDS = {"product", "description", "quantity", "unit_price", "discount_percent", "tax_rate"}


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
