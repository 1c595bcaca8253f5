"""Reads of segments, templates and campaigns, through the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from salesflow.core.errors import AccessDenied
from salesflow.outreach.models import EmailTemplate, Mailing, Recipient, Segment
from salesflow.users import policy


def segments_visible_to(user: Any) -> QuerySet[Segment]:
    return Segment.objects.filter(policy.readable_q(user)).select_related("owner")


def templates_visible_to(user: Any) -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.filter(policy.readable_q(user)).select_related("owner")


def mailings_visible_to(user: Any) -> QuerySet[Mailing]:
    return Mailing.objects.filter(policy.readable_q(user)).select_related(
        "owner", "template", "segment"
    )


def _get(queryset: QuerySet, user: Any, pk: int, *, write: bool, noun: str) -> Any:
    record = get_object_or_404(queryset, pk=pk)
    if write and not policy.can_write(user, record):
        raise AccessDenied(f"You may see this {noun} but not change it.")
    return record


def segment_get_for_user(user: Any, pk: int, *, write: bool = False) -> Segment:
    return _get(segments_visible_to(user), user, pk, write=write, noun="segment")


def template_get_for_user(user: Any, pk: int, *, write: bool = False) -> EmailTemplate:
    return _get(templates_visible_to(user), user, pk, write=write, noun="template")


def mailing_get_for_user(user: Any, pk: int, *, write: bool = False) -> Mailing:
    return _get(mailings_visible_to(user), user, pk, write=write, noun="campaign")


def mailing_counts(mailing: Mailing) -> dict[str, Any]:
    """Recipients per status, and the skipped ones per reason: what the campaign page shows."""
    rows = (
        Recipient.objects.filter(mailing=mailing)
        .values("status", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {"total": 0, "pending": 0, "sending": 0, "sent": 0, "skipped": 0, "failed": 0,
              "bounced": 0, "skipped_by_reason": {}}  # fmt: skip
    for row in rows:
        counts["total"] += row["n"]
        counts[row["status"]] += row["n"]
        if row["status"] == "skipped":
            reasons = counts["skipped_by_reason"]
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + row["n"]
    return counts


def recipients_of(mailing: Mailing, *, status: str | None = None) -> QuerySet[Recipient]:
    rows = Recipient.objects.filter(mailing=mailing).select_related("contact")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("pk")
