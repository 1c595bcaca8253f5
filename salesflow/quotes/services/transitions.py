"""The moves a quote's status may make, and the one place a move is written.

Every status move checks TRANSITIONS, saves the quote with its new status (bumping its version)
and writes a QuoteStatusChange.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesflow.core.errors import DomainError
from salesflow.core.services import instance_save_versioned
from salesflow.quotes.models import Quote, QuoteStatus, QuoteStatusChange

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


def transition_check(quote: Quote, to_status: str) -> None:
    """Refuse a move that TRANSITIONS does not allow from the quote's status."""
    if to_status not in TRANSITIONS[quote.status]:
        raise DomainError(
            f"Quote {quote} is {quote.get_status_display().lower()}, so it cannot be marked "
            f"{QuoteStatus(to_status).label.lower()}."
        )


def status_set(
    quote: Quote,
    *,
    to_status: str,
    acting_user: Any,
    at: dt.datetime,
    changed: list[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Quote:
    """Move the quote: save the status and `changed` fields (bumping the version) and write
    the QuoteStatusChange. The caller runs inside the service's transaction."""
    from_status = quote.status
    transition_check(quote, to_status)
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


def sendable_check(quote: Quote, *, today: dt.date) -> None:
    """What a quote needs before it goes for approval or to the customer."""
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
