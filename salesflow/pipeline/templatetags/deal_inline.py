"""`{% deal_inline deal "amount" %}`: a deal's field as an inline-editable value (a link to its
small edit form, plain text when the viewer may not change it). Fields: amount,
expected_close_on, owner, stage, next_step. See `salesflow.pipeline.views_inline`."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from salesflow.pipeline.views_inline import deal_inline_value

register = template.Library()


@register.simple_tag(takes_context=True)
def deal_inline(context: Any, deal: Any, field: str) -> str:
    request = context["request"]
    inline = deal_inline_value(request.user, deal, field)
    return render_to_string(
        "includes/inline_field.html#value", {"inline": inline, "next": request.get_full_path()}
    )
