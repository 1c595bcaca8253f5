from __future__ import annotations

from typing import Any

from django import template

from salesflow.audit.selectors import record_history

register = template.Library()


@register.inclusion_tag("audit/_history.html")
def history_of(record: Any, limit: int = 50) -> dict[str, Any]:
    """The record's change history: who changed which field from what to what."""
    return {"entries": list(record_history(record)[:limit])}
