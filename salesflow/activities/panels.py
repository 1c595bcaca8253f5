"""The activity timeline on the deal, lead, account and contact pages (see
`salesflow.core.panels`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesflow.activities.selectors import activities_timeline, activities_visible_to
from salesflow.core.panels import Panel, PanelCall, PanelRegistry
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.leads.panels import lead_panels
from salesflow.pipeline.panels import deal_panels

# The panels of an activity's own page: apps above register theirs (the call review).
activity_panels = PanelRegistry("activity")

TIMELINE_LIMIT = 50
TEMPLATE = "activities/panels.html"


def timeline_of(link: str) -> Callable[[PanelCall], dict[str, Any]]:
    """A context function: the newest activities the user may read on the page's record,
    where `link` is the activity's field naming that record (deal, lead, account, contact)."""

    def context(call: PanelCall) -> dict[str, Any]:
        activities = activities_visible_to(call.user).filter(**{link: call.record})
        return {"activities": activities_timeline(activities)[:TIMELINE_LIMIT]}

    return context


def panels_register() -> None:
    """Called from `ActivitiesConfig.ready()`."""
    deal_panels.register(
        Panel("timeline", f"{TEMPLATE}#deal-timeline", timeline_of("deal"), order=950)
    )
    lead_panels.register(
        Panel("timeline", f"{TEMPLATE}#lead-timeline", timeline_of("lead"), slot="aside", order=30)
    )
    for registry, link in ((account_panels, "account"), (contact_panels, "contact")):
        registry.register(
            Panel("timeline", f"{TEMPLATE}#{link}-timeline", timeline_of(link), slot="aside")
        )
