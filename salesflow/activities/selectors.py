from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.core.errors import AccessDenied
from salesflow.customfields.selectors import custom_filter_q
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from salesflow.users import policy
from salesflow.users.models import Visibility


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    """Activities the user may read: by the policy, or on a deal or lead the user may read.

    A private activity is read by the policy alone (its owner, the managers of its team and
    admins), whatever it hangs on: a readable deal does not open it to everyone.
    """
    own = policy.readable_q(user)
    if own == Q():
        return Activity.objects.all()
    # Checked per activity by a correlated EXISTS on the deal's or lead's primary key, so the
    # database applies the page's own filter (this deal, this account, due today) first; the
    # `pk IN (subquery)` form made SQLite list every activity readable that way before it
    # (250-650 ms per query at 100,000 activities: docs/benchmarks.md).
    deals = Deal.objects.filter(policy.readable_q(user), pk=OuterRef("deal_id"))
    leads = Lead.objects.filter(policy.readable_q(user), pk=OuterRef("lead_id"))
    via = ~Q(visibility=Visibility.PRIVATE) & (Exists(deals) | Exists(leads))
    return Activity.objects.filter(own | via)


def activities_filtered(
    user: Any,
    *,
    q: str = "",
    state: str = "",
    now: dt.datetime | None = None,
    custom: Mapping[str, Any] | None = None,
    **filters: Any,
) -> QuerySet[Activity]:
    """The activity list: readable activities whose subject or notes hold `q`, in a `state`
    (open, overdue or done; blank: all) and filtered by the given fields (type, owner, ...).
    Open ones first, soonest due first and undated last; done ones after them. NULL ordering is
    spelled out: SQLite and PostgreSQL sort NULLs at opposite ends."""
    activities = activities_visible_to(user).select_related(
        "owner", "deal", "lead", "contact", "account", "invitation_reason"
    )
    if q:
        activities = activities.filter(Q(subject__icontains=q) | Q(body__icontains=q))
    if state == "done":
        activities = activities.filter(done_at__isnull=False)
    elif state == "open":
        activities = activities.filter(done_at__isnull=True)
    elif state == "overdue":
        activities = activities.filter(done_at__isnull=True, due_at__lt=now or timezone.now())
    if custom:
        activities = activities.filter(custom_filter_q("activity", custom))
    return activities.filter(**filters).order_by(
        F("done_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "-created_at"
    )


def activity_get_for_user(user: Any, pk: int, *, write: bool = False) -> Activity:
    activity = get_object_or_404(
        activities_visible_to(user).select_related("invitation_reason"), pk=pk
    )
    if write and not policy.can_write(user, activity):
        raise AccessDenied("You may see this activity but not change it.")
    return activity


def activities_agenda(
    user: Any, *, now: dt.datetime | None = None
) -> dict[str, QuerySet[Activity]]:
    """The user's open activities due today and overdue, for "My day"."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    mine = Activity.objects.filter(owner=user, done_at__isnull=True).select_related(
        "deal", "lead", "contact", "account"
    )
    return {
        "overdue": mine.filter(due_at__lt=start).order_by("due_at"),
        "today": mine.filter(due_at__gte=start, due_at__lt=end).order_by("due_at"),
    }


def activities_timeline(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Newest first, with the people and records a timeline row shows."""
    return queryset.select_related(
        "owner", "deal", "lead", "contact", "account", "invitation_reason"
    ).order_by("-created_at", "-pk")


def activities_timeline_page(
    user: Any, *, link: str, record: Any, offset: int, limit: int
) -> tuple[list[Activity], bool]:
    """One page of the readable activities on a record (`link` names the activity's field
    pointing at it), newest first, and whether older ones follow: one query."""
    activities = activities_timeline(activities_visible_to(user).filter(**{link: record}))
    rows = list(activities[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


def activity_chain(user: Any, activity: Activity) -> dict[str, Any]:
    """The follow-up chain around an activity, among those the user may read: the one it
    follows and the ones planned when it was completed."""
    readable = activities_visible_to(user).select_related("owner")
    follows = readable.filter(pk=activity.follows_id).first() if activity.follows_id else None
    followed_by = list(readable.filter(follows=activity).order_by("due_at", "pk"))
    return {"follows": follows, "followed_by": followed_by}


def activity_next_of_deal(user: Any, deal: Any) -> Activity | None:
    """The deal's next step: its open activity due first (undated ones after dated ones)."""
    return (
        activities_visible_to(user)
        .filter(deal=deal, done_at__isnull=True)
        .select_related("owner")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
        .first()
    )
