"""`{{ deal|next_step_state }}`: none, overdue or planned for an open deal, "" for a closed one
(from the deal's own columns, no query); see `pipeline.selectors.deal_next_step_state`."""

from __future__ import annotations

from typing import Any

from django import template

from salesflow.pipeline.selectors import deal_next_step_state

register = template.Library()


@register.filter
def next_step_state(deal: Any) -> str:
    return deal_next_step_state(deal) or ""
