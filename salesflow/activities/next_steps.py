"""A deal's next step: the open activities it has and when the earliest is due.

Kept on the deal (`Deal.open_activity_count`, `Deal.next_activity_at`) so the board, the deal
list and My day flag deals with no next step or an overdue one without reading activities.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min, Q

from salesflow.activities.models import Activity
from salesflow.pipeline.models import Deal

BATCH = 500


def deals_next_step_refresh(deal_ids: Iterable[int | None]) -> int:
    """Recount the open activities of these deals and their earliest due moment; answer how
    many deals changed. One aggregate query and one update per changed deal."""
    ids = sorted({pk for pk in deal_ids if pk is not None})
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        open_q = Q(done_at__isnull=True)
        figures = {
            row["deal_id"]: (row["open"], row["next_at"])
            for row in Activity.objects.filter(deal_id__in=chunk)
            .values("deal_id")
            .annotate(open=Count("pk", filter=open_q), next_at=Min("due_at", filter=open_q))
        }
        deals = Deal.objects.filter(pk__in=chunk).only(
            "pk", "open_activity_count", "next_activity_at"
        )
        for deal in deals:
            count, next_at = figures.get(deal.pk, (0, None))
            if (deal.open_activity_count, deal.next_activity_at) != (count, next_at):
                Deal.objects.filter(pk=deal.pk).update(
                    open_activity_count=count, next_activity_at=next_at
                )
                changed += 1
    return changed


def deals_next_step_refresh_all() -> int:
    """Every deal (after a bulk load that bypassed the services: the demo, a restore)."""
    return deals_next_step_refresh(Deal.objects.values_list("pk", flat=True).iterator())
