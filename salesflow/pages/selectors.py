"""Reads for My day that span apps: the agenda of a manager's team."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.selectors import activities_visible_to


def activities_agenda_of_teams(
    user: Any, *, team_ids: list[int], now: dt.datetime | None = None
) -> dict[str, QuerySet[Activity]]:
    """Open activities due today and overdue of the user and of the teams `team_ids` (a
    manager's teams), among those the user may read, with their owners: the team view of
    `activities_agenda`."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    open_ones = (
        activities_visible_to(user)
        .filter(Q(owner=user) | Q(team_id__in=team_ids), done_at__isnull=True)
        .select_related("owner", "deal", "lead", "contact", "account")
    )
    return {
        "overdue": open_ones.filter(due_at__lt=start).order_by("due_at", "pk"),
        "today": open_ones.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "pk"),
    }
