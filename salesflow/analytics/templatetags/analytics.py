from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from salesflow.analytics.figures import money_text, percent_text
from salesflow.analytics.registry import Report
from salesflow.analytics.tables import table_rows

register = template.Library()


@register.filter
def table_cells(report: Report) -> list[list[dict[str, Any]]]:
    return table_rows(report)


@register.filter
def summary_shown(name: str) -> bool:
    """Summary figures that are plain values (not lists of rows) go in the key-figure strip."""
    return not name.startswith("_")


@register.filter
def summary_label(report: Report, name: str) -> str:
    return report.summary_labels.get(name) or name.replace("_", " ").capitalize()


@register.filter
def summary_value(value: Any, name: str) -> str:
    if isinstance(value, dict):
        return money_text(value)
    if value is None:
        return "—"
    if "rate" in name or name.startswith("conversion") or name == "roi":
        return percent_text(value)
    if isinstance(value, str) and "T" in value:
        try:  # a moment, as the API gives it (ISO 8601): shown as a person reads it
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return date_format(timezone.localtime(moment), "j M Y, H:i")
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
