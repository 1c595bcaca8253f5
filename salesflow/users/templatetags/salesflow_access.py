"""`{% load salesflow_access %}`: what the access policy allows, for offering buttons."""

from __future__ import annotations

from typing import Any

from django import template

from salesflow.users import policy

register = template.Library()


@register.filter
def can_edit(record: Any, user: Any) -> bool:
    """Whether to offer edit buttons; the view checks again on submit."""
    return policy.can_write(user, record)


@register.filter
def can_reassign(record: Any, user: Any) -> bool:
    """Whether to offer changing the record's owner: its owner, a manager of its team or an
    admin, or any writer for a record nobody owns yet (the team queue)."""
    if record.owner_id is None:
        return policy.can_write(user, record)
    return policy.can_hand_over(user, record)
