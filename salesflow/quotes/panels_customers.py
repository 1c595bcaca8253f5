"""The quotes panel of the account and contact pages (customer 360): the current revision of
every quote of the deals the user may read, with its status and total."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from salesflow.core.panels import Panel, PanelCall
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.quotes.models import Quote, QuoteStatus
from salesflow.quotes.selectors import quote_totals

TEMPLATE = "quotes/customer_panels.html#customer-quotes"
QUOTES_SHOWN = 20


def _rows(quotes: QuerySet[Quote]) -> dict[str, Any]:
    """Newest first; the lines come in one query for the totals."""
    quotes = (
        quotes.exclude(status=QuoteStatus.SUPERSEDED)
        .select_related("deal")
        .prefetch_related("lines")
        .order_by("-created_at", "-pk")
    )
    shown = list(quotes[:QUOTES_SHOWN])
    return {"customer_quotes": [(quote, quote_totals(quote)) for quote in shown]}


def _account(call: PanelCall) -> dict[str, Any]:
    deals = deals_visible_to(call.user).filter(account=call.record)
    return _rows(Quote.objects.filter(deal__in=deals.values("pk")))


def _contact(call: PanelCall) -> dict[str, Any]:
    contact = call.record
    deals = deals_visible_to(call.user).filter(
        Q(primary_contact=contact) | Q(stakeholders__contact=contact)
    )
    return _rows(Quote.objects.filter(deal__in=deals.values("pk")))


def panels_register() -> None:
    """Called from `QuotesConfig.ready()`."""
    account_panels.register(Panel("quotes", TEMPLATE, _account, order=30))
    contact_panels.register(Panel("quotes", TEMPLATE, _contact, order=30))
