"""Reads for My day that span apps: the agenda of a manager's team."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.selectors import activities_visible_to
from salesflow.pipeline.selectors import first_of_each


def activities_agenda_of_teams(
    user: Any, *, team_ids: list[int], now: dt.datetime | None = None, limit: int | None = None
) -> dict[str, QuerySet[Activity]]:
    """Open activities due today and overdue of the user and of the teams `team_ids` (a
    manager's teams), among those the user may read, with their owners: the team view of
    `activities_agenda`. With `limit` (My day shows 50), the first `limit` of the user's and
    of the teams' are read apart, each through its agenda index in due order
    (`first_of_each`), instead of sorting every overdue activity of the team."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    order = [F("due_at").asc(), F("pk").asc()]
    mine_or_teams = [Q(owner=user), Q(team_id__in=team_ids)]
    readable = activities_visible_to(user).filter(done_at__isnull=True)
    agenda = {}
    for name, due in (
        ("overdue", Q(due_at__lt=start)),
        ("today", Q(due_at__gte=start, due_at__lt=end)),
    ):
        if limit is None:
            chosen = readable.filter(due, mine_or_teams[0] | mine_or_teams[1])
        else:
            first = first_of_each(readable.filter(due), mine_or_teams, order=order, limit=limit)
            chosen = Activity.objects.filter(pk__in=first)
        agenda[name] = chosen.select_related(
            "owner", "deal", "lead", "contact", "account"
        ).order_by(*order)
    return agenda
