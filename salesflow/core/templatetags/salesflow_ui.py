"""Formatting helpers for the page templates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from salesflow.users import policy

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str = "") -> str:
    """12000 EUR -> "EUR 12,000"; cents only when there are some; an em dash for no amount."""
    if amount is None or amount == "":
        return "—"
    value = Decimal(amount)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{currency} {text}".strip()


@register.filter
def can_edit(record: Any, user: Any) -> bool:
    """Whether to offer edit buttons; the view checks again on submit."""
    return policy.can_write(user, record)
