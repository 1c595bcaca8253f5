"""A deal's next step: the open activities it has and when the earliest is due.

Kept on the deal (`Deal.open_activity_count`, `Deal.next_activity_at`) so the board, the deal
list and My day flag deals with no next step or an overdue one without reading activities.
The activity services (salesflow.activities) call `deals_next_step_refresh` after every
change; the pipeline calls it itself where it moves activities (a lead's, on conversion).
It reads the activities through the deal's reverse relation (`Deal.activities`), so this
app needs no import of the activities app.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min, Q

from salesflow.pipeline.models import Deal

BATCH = 500
OPEN = Q(activities__done_at__isnull=True)


def deals_next_step_refresh(deal_ids: Iterable[int | None]) -> int:
    """Recount the open activities of these deals and their earliest due moment; answer how
    many deals changed. One aggregate query per 500 deals and one update per changed deal."""
    ids = sorted({pk for pk in deal_ids if pk is not None})
    changed = 0
    for start in range(0, len(ids), BATCH):
        rows = (
            Deal.objects.filter(pk__in=ids[start : start + BATCH])
            .annotate(
                open_now=Count("activities", filter=OPEN),
                next_now=Min("activities__due_at", filter=OPEN),
            )
            .values_list("pk", "open_activity_count", "next_activity_at", "open_now", "next_now")
        )
        for pk, count, next_at, open_now, next_now in rows:
            if (count, next_at) != (open_now, next_now):
                Deal.objects.filter(pk=pk).update(
                    open_activity_count=open_now, next_activity_at=next_now
                )
                changed += 1
    return changed


def deals_next_step_refresh_all() -> int:
    """Every deal (after a bulk load that bypassed the services: the demo, a restore)."""
    return deals_next_step_refresh(Deal.objects.values_list("pk", flat=True).iterator())
