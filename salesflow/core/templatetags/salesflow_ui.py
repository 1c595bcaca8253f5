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


@register.filter
def phone_doubt(number: str | None) -> str:
    """A note when a stored phone number is possible but not valid for its country."""
    from salesflow.core.normalize import phone_doubt as doubt

    return doubt(number)


@register.filter
def since(value, until=None) -> str:  # type: ignore[no-untyped-def]
    """Django's `timesince`, but under a minute reads "less than a minute", never "0 minutes"."""
    import datetime as dt

    from django.utils import timezone
    from django.utils.timesince import timesince

    if not value:
        return ""
    end = until or timezone.now()
    if (
        isinstance(value, dt.datetime)
        and isinstance(end, dt.datetime)
        and abs((end - value).total_seconds()) < 60
    ):
        return "less than a minute"
    return timesince(value, end)


@register.filter
def close_overdue(deal) -> str:  # type: ignore[no-untyped-def]
    """The mark of an open deal whose expected close has passed ("overdue since 3 Dec 2026")."""
    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    close_on = getattr(deal, "expected_close_on", None)
    if not close_on or getattr(deal, "is_closed", False):
        return ""
    if close_on >= timezone.localdate():
        return ""
    return f"overdue since {date_format(close_on, 'j M Y')}"


@register.filter
def mark_placeholders(text: str | None) -> str:
    """Escape `text` and wrap each placeholder ("…" or "...") in <mark>, to see what to fill in."""
    import re

    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    escaped = escape(text or "")
    marked = re.sub(r"(…|\.\.\.)", r'<mark class="placeholder">\1</mark>', escaped)
    return mark_safe(marked)  # noqa: S308 - the text was escaped above


@register.filter
def has_placeholder(text: str | None) -> bool:
    """Whether `text` still holds a placeholder ("…" or "...") to fill in."""
    return "…" in (text or "") or "..." in (text or "")
