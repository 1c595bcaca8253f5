"""Reads for a manager's approvals list: the quotes waiting for a discount approval that the user
may decide, and the decline reasons of many quotes at once (the API's quote lists).

"May decide" is the rule of `services.approval.quote_approval_refusal`, written as a query: an
admin decides every quote waiting for approval, a manager those whose deal belongs to a team
they manage (sub-teams included), and nobody the quote they asked approval for themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects

from salesflow.quotes.models import Quote, QuoteLine, QuoteStatus, QuoteStatusChange
from salesflow.users import policy
from salesflow.users.models import User


def _last_submission() -> QuerySet[QuoteStatusChange]:
    """The quote's latest move to "pending approval": who asked, and when."""
    return QuoteStatusChange.objects.filter(
        quote=OuterRef("pk"), to_status=QuoteStatus.PENDING_APPROVAL
    ).order_by("-changed_at", "-pk")


def quotes_awaiting_approval(user: Any) -> QuerySet[Quote]:
    """The quotes waiting for approval that `user` may approve or decline, oldest request first.

    Each quote carries `requested_by_id` and `submitted_at` (its latest submission). Without
    rows to show (a rep, a signed-out or inactive user) the queryset is empty and costs no
    query to count.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Quote.objects.none()
    if not (user.is_admin or user.is_manager):
        return Quote.objects.none()
    quotes = Quote.objects.filter(status=QuoteStatus.PENDING_APPROVAL)
    if not user.is_admin:
        quotes = quotes.filter(deal__team_id__in=policy.managed_team_ids(user))
    return (
        quotes.annotate(
            requested_by_id=Subquery(_last_submission().values("changed_by_id")[:1]),
            submitted_at=Subquery(_last_submission().values("changed_at")[:1]),
        )
        .exclude(requested_by_id=user.pk)
        .order_by("submitted_at", "pk")
    )


def approvals_waiting_count(user: Any) -> int:
    """How many quotes wait for this user's decision (the nav's badge): one query for a manager
    or an admin, none for anyone else."""
    if not getattr(user, "is_authenticated", False) or not (user.is_admin or user.is_manager):
        return 0
    return quotes_awaiting_approval(user).count()


def approvals_page_rows(quotes: Iterable[Quote]) -> list[Quote]:
    """A page of `quotes_awaiting_approval` ready to show: each quote with its deal, account,
    lines (for the totals) and `requested_by` (the user who asked), in three queries whatever
    the page's size (the quotes with their deal and account, their lines, the requesters)."""
    rows = list(quotes)
    if not rows:
        return []
    prefetch_related_objects(
        rows, Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "pk"))
    )
    requester_ids = {quote.requested_by_id for quote in rows if quote.requested_by_id}
    requesters = User.objects.in_bulk(requester_ids) if requester_ids else {}
    for quote in rows:
        quote.requested_by = requesters.get(quote.requested_by_id)
    return rows


def approval_rows(user: Any) -> QuerySet[Quote]:
    """`quotes_awaiting_approval` with the deal, its account, owner and team read along."""
    return quotes_awaiting_approval(user).select_related(
        "deal__account", "deal__owner", "deal__team"
    )
