"""`{% lead_inline lead "status" %}`: a lead's owner or status as an inline-editable value.
See `salesflow.leads.views_inline`."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from salesflow.leads.views_inline import lead_inline_value

register = template.Library()


@register.simple_tag(takes_context=True)
def lead_inline(context: Any, lead: Any, field: str) -> str:
    request = context["request"]
    inline = lead_inline_value(request.user, lead, field)
    return render_to_string(
        "includes/inline_field.html#value", {"inline": inline, "next": request.get_full_path()}
    )
