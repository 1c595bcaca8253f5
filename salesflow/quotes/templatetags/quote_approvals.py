"""`{% load quote_approvals %}{% approvals_waiting as n %}`: how many quotes wait for the signed-in
user's approval (the nav's badge next to `quotes:approvals`). One query for a manager or an admin,
read once per request however often the tag is used; 0 and no query for anyone else."""

from __future__ import annotations

from typing import Any

from django import template

from salesflow.quotes.selectors_approvals import approvals_waiting_count

register = template.Library()


@register.simple_tag(takes_context=True)
def approvals_waiting(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return 0
    if request is None:
        return approvals_waiting_count(user)
    cached = getattr(request, "_salesflow_approvals_waiting", None)
    if cached is None:
        cached = request._salesflow_approvals_waiting = approvals_waiting_count(user)
    return cached
