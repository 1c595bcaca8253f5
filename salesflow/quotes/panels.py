"""The quotes panel of the deal page (see `salesflow.core.panels`)."""

from __future__ import annotations

from typing import Any

from salesflow.core.panels import Panel, PanelCall
from salesflow.pipeline.panels import deal_panels
from salesflow.quotes.selectors import deal_quotes, quote_totals


def _quotes(call: PanelCall) -> dict[str, Any]:
    return {"quote_rows": [(quote, quote_totals(quote)) for quote in deal_quotes(call.record)]}


def panels_register() -> None:
    """Called from `QuotesConfig.ready()`."""
    deal_panels.register(
        Panel(
            "quotes",
            "quotes/deal_panels.html#panel-quotes",
            _quotes,
            order=60,
            label="Quotes",
            meets=("quote_sent",),
        )
    )
