"""The board's one amount format: whole currency units, for column totals and cards alike."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from salesflow.core.templatetags.salesflow_ui import money

register = template.Library()


@register.filter
def money_whole(amount: Decimal | int | None, currency: str = "") -> str:
    """12345.50 EUR -> "EUR 12,346": a board is read at a glance, so every figure on it (a card's
    amount, a column's total and weighted total, the board's summary) is rounded to whole units
    the same way, never cents on one and none on the next."""
    if amount is None or amount == "":
        return money(None)
    return money(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP), currency)
