"""The quotes panel of the deal page (see `salesflow.core.panels`)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from salesflow.core.panels import Panel, PanelCall
from salesflow.pipeline.panels import deal_panels
from salesflow.quotes.forms_deal_lines import (
    DealAmountFollowForm,
    DealLineAddForm,
    DealLineEditForm,
)
from salesflow.quotes.selectors import deal_lines_of, deal_quotes_read, quote_totals


def _quotes(call: PanelCall) -> dict[str, Any]:
    return {"quote_rows": [(quote, quote_totals(quote)) for quote in deal_quotes_read(call.record)]}


def _products(call: PanelCall) -> dict[str, Any]:
    """The deal's product lines, each with its edit form, their total and the form to add one."""
    deal = call.record
    lines = list(deal_lines_of(deal))
    rows = [
        (line, call.form(("dealline", line.pk), partial(DealLineEditForm, deal=deal, row=line)))
        for line in lines
    ]
    return {
        "line_rows": rows,
        # The lines are few and fetched already: their total is added up here.
        "lines_total": sum((line.total for line in lines), Decimal(0)) if lines else None,
        "line_form": call.form("dealline", partial(DealLineAddForm, deal=deal)),
        "follow_form": DealAmountFollowForm(
            deal=deal, initial={"follow": not deal.amount_from_lines}
        ),
    }


def panels_register() -> None:
    """Called from `QuotesConfig.ready()`."""
    deal_panels.register(
        Panel("products", "quotes/deal_lines_panel.html#panel-products", _products, order=55,
              label="Products")
    )  # fmt: skip
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
