"""Turn the ids a client sends into records, looking only among those the user may see.

An id the user may not see answers like an id that does not exist, 422 naming the field, so
input can never probe for hidden records. Campaigns, pipelines and lost reasons are
shared configuration, readable by every signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.models import Campaign
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.models import LostReason, Pipeline
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users.models import Team, User
from salesflow.users.policy import users_visible_to

Visible = Callable[[Any], QuerySet]


def campaigns_all(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.all()


def pipelines_active(user: Any) -> QuerySet[Pipeline]:
    """New deals go into pipelines still in use."""
    return Pipeline.objects.filter(is_active=True)


def lost_reasons_active(user: Any = None) -> QuerySet[LostReason]:
    """Reasons a user may pick now; retired ones stay on old deals only."""
    return LostReason.objects.filter(is_active=True)


def teams_all(user: Any) -> QuerySet[Team]:
    """Admin settings name any team."""
    return Team.objects.all()


def users_active(user: Any) -> QuerySet[User]:
    """Admin settings name any active user."""
    return User.objects.filter(is_active=True)


# The input field, and where to look for the record it names.
LINKS: dict[str, Visible] = {
    "account_id": accounts_visible_to,
    "campaign_id": campaigns_all,
    "contact_id": contacts_visible_to,
    "deal_id": deals_visible_to,
    "lead_id": leads_visible_to,
    "lost_reason_id": lost_reasons_active,
    "owner_id": users_visible_to,
    "pipeline_id": pipelines_active,
    "primary_contact_id": contacts_visible_to,
}


def links_resolve(
    data: dict[str, Any], *, user: Any, links: Mapping[str, Visible] = LINKS
) -> dict[str, Any]:
    """Replace each `<name>_id` in the input by the record (`<name>`), or null by None.

    Raises one ValidationError naming every id the user cannot see.
    """
    errors = {}
    for field in [name for name in data if name in links]:
        pk = data.pop(field)
        name = field.removesuffix("_id")
        if pk is None:
            data[name] = None
            continue
        record = links[field](user).filter(pk=pk).first()
        if record is None:
            label = name.replace("_", " ")
            errors[field] = f"There is no {label} with id {pk} that you can see."
        else:
            data[name] = record
    if errors:
        raise ValidationError(errors)
    return data


def link_resolve(field: str, pk: int | None, *, user: Any) -> Any:
    """One id to its record (or None for None), as `links_resolve` does for a whole input."""
    return links_resolve({field: pk}, user=user).get(field.removesuffix("_id"))
