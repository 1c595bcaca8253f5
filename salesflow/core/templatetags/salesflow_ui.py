"""Formatting helpers for the page templates."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str = "") -> str:
    """12000 EUR -> "EUR 12,000"; cents only when there are some; an em dash for no amount."""
    if amount is None or amount == "":
        return "—"
    value = Decimal(amount)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{currency} {text}".strip()
