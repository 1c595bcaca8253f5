"""The activity timeline on the deal, lead, account and contact pages, and the deal's next step
(see `salesflow.core.panels`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesflow.activities.selectors import (
    activities_timeline,
    activities_timeline_page,
    activities_visible_to,
    activity_next_of_deal,
)
from salesflow.core.panels import Panel, PanelCall, PanelRegistry
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.leads.panels import lead_panels
from salesflow.pipeline.panels import deal_panels

# The panels of an activity's own page (`activities:activity-detail`): apps above register
# theirs (the call review), in the slots `main` and `aside`.
activity_panels = PanelRegistry("activity")

TIMELINE_LIMIT = 50
# Account and contact pages gather a customer's whole history: shown a page at a time, older
# ones loaded on demand ("Show older", `activities:<link>-timeline`).
TIMELINE_PAGE = 20
TEMPLATE = "activities/panels.html"


def timeline_of(link: str) -> Callable[[PanelCall], dict[str, Any]]:
    """A context function: the newest activities the user may read on the page's record,
    where `link` is the activity's field naming that record (deal, lead, account, contact)."""

    def context(call: PanelCall) -> dict[str, Any]:
        activities = activities_visible_to(call.user).filter(**{link: call.record})
        return {"activities": activities_timeline(activities)[:TIMELINE_LIMIT]}

    return context


def timeline_paged(link: str) -> Callable[[PanelCall], dict[str, Any]]:
    """A context function: the first page of the record's activities and whether older follow."""

    def context(call: PanelCall) -> dict[str, Any]:
        rows, more = activities_timeline_page(
            call.user, link=link, record=call.record, offset=0, limit=TIMELINE_PAGE
        )
        return {"activities": rows, "timeline_more": more, "timeline_next": TIMELINE_PAGE}

    return context


def deal_activities(call: PanelCall) -> dict[str, Any]:
    """The deal's timeline and its next step (the open activity due first), shared by the two
    panels: the next step is usually among the newest activities, read only when it is not."""
    deal = call.record
    activities = list(timeline_of("deal")(call)["activities"])
    next_activity = None
    if not deal.is_closed and deal.open_activity_count:
        open_ones = [a for a in activities if not a.is_done]
        dated = [a for a in open_ones if a.due_at is not None]
        if dated:
            next_activity = min(dated, key=lambda a: (a.due_at, a.pk))
        elif deal.next_activity_at is None and open_ones:
            next_activity = min(open_ones, key=lambda a: a.pk)
        if next_activity is None or next_activity.due_at != deal.next_activity_at:
            next_activity = activity_next_of_deal(call.user, deal)
    return {"activities": activities, "next_activity": next_activity}


def panels_register() -> None:
    """Called from `ActivitiesConfig.ready()`."""
    deal_panels.register(Panel("timeline", f"{TEMPLATE}#deal-timeline", deal_activities, order=950))
    deal_panels.register(
        Panel("next-step", f"{TEMPLATE}#deal-next-step", deal_activities, slot="aside", order=5)
    )
    lead_panels.register(
        Panel("timeline", f"{TEMPLATE}#lead-timeline", timeline_of("lead"), slot="aside", order=30)
    )
    for registry, link in ((account_panels, "account"), (contact_panels, "contact")):
        registry.register(
            Panel("timeline", f"{TEMPLATE}#{link}-timeline", timeline_paged(link), slot="aside")
        )
