from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from salesflow.core.errors import AccessDenied
from salesflow.leads.models import Lead
from salesflow.users import policy


def leads_visible_to(user: Any) -> QuerySet[Lead]:
    return Lead.objects.filter(policy.readable_q(user))


def lead_get_for_user(user: Any, pk: int, *, write: bool = False) -> Lead:
    lead = get_object_or_404(leads_visible_to(user).select_related("owner", "campaign"), pk=pk)
    if write and not policy.can_write(user, lead):
        raise AccessDenied("You may see this lead but not change it.")
    return lead
