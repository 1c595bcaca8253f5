"""The "Send email" panels on the contact and deal pages (see `salesflow.core.panels`)."""

from __future__ import annotations

from typing import Any

from salesflow.core.panels import Panel, PanelCall
from salesflow.customers.panels import contact_panels
from salesflow.pipeline.panels import deal_panels
from salesflow.pipeline.selectors import deal_stakeholder_rows

TEMPLATE = "outreach/panels.html"


def contact_context(call: PanelCall) -> dict[str, Any]:
    return {"outreach_contact": call.record}


def deal_context(call: PanelCall) -> dict[str, Any]:
    deal = call.record
    has_contacts = bool(deal.primary_contact_id) or bool(deal_stakeholder_rows(deal))
    return {"outreach_deal": deal, "outreach_deal_has_contacts": has_contacts}


def panels_register() -> None:
    """Called from `OutreachConfig.ready()`."""
    contact_panels.register(
        Panel("outreach-email", f"{TEMPLATE}#contact-email", contact_context, slot="aside",
              order=5)
    )  # fmt: skip
    deal_panels.register(
        Panel("outreach-email", f"{TEMPLATE}#deal-email", deal_context, slot="aside", order=900)
    )
