"""The objections panel of the account and contact pages (customer 360): what the customer
raised on the deals the user may read, the answer used, and whether it worked (resolved)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from salesflow.core.panels import Panel, PanelCall
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.pipeline.models import Deal
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.playbooks.models import DealObjection

TEMPLATE = "playbooks/customer_panels.html#customer-objections"
OBJECTIONS_SHOWN = 20


def _rows(deals: QuerySet[Deal]) -> dict[str, Any]:
    objections = (
        DealObjection.objects.filter(deal__in=deals.values("pk"))
        .select_related("deal", "library_response")
        .order_by("-logged_at", "-pk")
    )
    return {"customer_objections": list(objections[:OBJECTIONS_SHOWN])}


def _account(call: PanelCall) -> dict[str, Any]:
    return _rows(deals_visible_to(call.user).filter(account=call.record))


def _contact(call: PanelCall) -> dict[str, Any]:
    contact = call.record
    return _rows(
        deals_visible_to(call.user).filter(
            Q(primary_contact=contact) | Q(stakeholders__contact=contact)
        )
    )


def panels_register() -> None:
    """Called from `PlaybooksConfig.ready()`."""
    account_panels.register(Panel("objections", TEMPLATE, _account, order=35))
    contact_panels.register(Panel("objections", TEMPLATE, _contact, order=35))
