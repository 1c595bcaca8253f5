"""The quote and the customer: sending it, their answer (accept or reject), and revising it
into the next version after an objection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.quotes.models import Quote, QuoteLine, QuoteStatus, QuoteStatusChange
from salesflow.quotes.selectors import quote_needs_approval, quote_settings
from salesflow.quotes.services.transitions import sendable_check, status_set, transition_check
from salesflow.users.services import record_require_write

S = QuoteStatus


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
    transition_check(quote, S.SENT)
    sendable_check(quote, today=timezone.localdate(at))
    if quote.status == S.DRAFT and quote_needs_approval(quote):
        threshold = quote_settings().approval_discount_threshold
        raise DomainError(
            f"A discount above {threshold.normalize():f}% needs a manager's approval before the "
            "quote is sent.",
            missing=[{"code": "quote_approval", "message": "Ask a manager to approve it."}],
        )
    quote.sent_at = at
    return status_set(
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
    transition_check(quote, to_status)
    at = at or timezone.now()
    quote.decided_at = at
    return status_set(
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
    status_set(
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
