"""Approval of a discounted quote: the rep submits it, a manager of the deal's team (or an
admin) approves it or sends it back to draft."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.quotes.models import Quote, QuoteStatus, QuoteStatusChange
from salesflow.quotes.services.transitions import sendable_check, status_set, transition_check
from salesflow.users import policy
from salesflow.users.services import record_require_write

S = QuoteStatus


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
    transition_check(quote, S.PENDING_APPROVAL)
    at = at or timezone.now()
    sendable_check(quote, today=timezone.localdate(at))
    return status_set(
        quote,
        to_status=S.PENDING_APPROVAL,
        acting_user=acting_user,
        at=at,
        note=note,
        expected_version=expected_version,
    )


def _requester_id(quote: Quote) -> int | None:
    """Who asked for this approval: the user who last sent the quote to pending approval."""
    return (
        QuoteStatusChange.objects.filter(quote=quote, to_status=S.PENDING_APPROVAL)
        .order_by("-changed_at", "-pk")
        .values_list("changed_by_id", flat=True)
        .first()
    )


def quote_approval_refusal(acting_user: Any, quote: Quote) -> str | None:
    """Why this user may not approve or decline the quote, or None if they may.

    Approvers: an admin, or a manager of the deal's team; never the person who asked (a
    manager's own discount needs another manager of the team or an admin). The quote page
    offers the buttons by the same rule.
    """
    if not getattr(acting_user, "is_authenticated", False):
        return "Sign in to approve quotes."
    team_id = quote.deal.team_id
    manages = acting_user.is_manager and team_id in policy.managed_team_ids(acting_user)
    if not (acting_user.is_admin or manages):
        return "Only a manager of the deal's team or an admin may approve this quote."
    if _requester_id(quote) == acting_user.pk:
        return "You asked for this approval: another manager of the team or an admin decides it."
    return None


def _require_approver(acting_user: Any, quote: Quote) -> None:
    refusal = quote_approval_refusal(acting_user, quote)
    if refusal:
        raise AccessDenied(refusal)


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
    transition_check(quote, S.APPROVED)
    at = at or timezone.now()
    quote.approved_by = acting_user
    quote.approved_at = at
    return status_set(
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
    return status_set(
        quote,
        to_status=S.DRAFT,
        acting_user=acting_user,
        at=at or timezone.now(),
        note=note,
        expected_version=expected_version,
    )
