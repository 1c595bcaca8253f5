from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.activities.hooks import activity_changed
from salesflow.activities.models import Activity
from salesflow.activities.next_steps import deals_next_step_refresh
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customfields.services import custom_assign
from salesflow.leads.scoring import lead_activity_recorded, lead_rescore
from salesflow.users import policy
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

ACTIVITY_FIELDS = {
    "type", "subject", "body", "due_at", "done_at", "outcome", "lead", "deal", "contact",
    "account", "owner", "team", "visibility",
}  # fmt: skip
LINKS = ("lead", "deal", "contact", "account")


def _links_check(acting_user: Any, data: dict[str, Any]) -> None:
    """An activity hangs on records the acting user may read; a deal brings its account along."""
    errors = {}
    for name in LINKS:
        record = data.get(name)
        if record is not None and not policy.can_read(acting_user, record):
            errors[name] = "You cannot link an activity to this record."
    if errors:
        raise ValidationError(errors)
    deal = data.get("deal")
    if deal is not None and data.get("account") is None:
        data["account"] = deal.account


def _changed(
    activity: Activity,
    *,
    acting_user: Any,
    deleted: bool = False,
    previous_deal_id: int | None = None,
) -> None:
    """After every change: the deal's next step (and the deal it left), then the hooks."""
    deals_next_step_refresh([activity.deal_id, previous_deal_id])
    activity_changed(activity, acting_user=acting_user, deleted=deleted)


@transaction.atomic
def activity_create(*, acting_user: Any, **data: Any) -> Activity:
    if not any(data.get(name) for name in LINKS):
        raise ValidationError({"deal": "Link the activity to a lead, deal, contact or account."})
    _links_check(acting_user, data)
    data = ownership_defaults(acting_user=acting_user, data=data)
    activity = Activity()
    custom_assign(activity, data, kind="activity")
    fields_assign(activity, data, allowed=ACTIVITY_FIELDS)
    activity.full_clean()
    activity.save()
    lead_activity_recorded(activity)
    _changed(activity, acting_user=acting_user)
    return activity


@transaction.atomic
def activity_update(
    activity: Activity, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Activity:
    """Change an activity; a stale `expected_version` is refused with a ConflictError.

    The lead it hangs on is rescored, and the lead it left when the change moves it elsewhere.
    """
    record_require_write(acting_user, activity)
    _links_check(acting_user, data)
    owner_change_check(acting_user=acting_user, record=activity, data=data)
    previous_lead = activity.lead if "lead" in data else None
    previous_deal_id = activity.deal_id
    changed = custom_assign(activity, data, kind="activity")
    changed += fields_assign(activity, data, allowed=ACTIVITY_FIELDS)
    instance_save_versioned(activity, changed=changed, expected_version=expected_version)
    if changed:
        if previous_lead is not None and previous_lead.pk != activity.lead_id:
            lead_rescore(previous_lead)
        lead_activity_recorded(activity)
        _changed(activity, acting_user=acting_user, previous_deal_id=previous_deal_id)
    return activity


@transaction.atomic
def activity_complete(
    activity: Activity, *, acting_user: Any, outcome: str = "", at: dt.datetime | None = None
) -> Activity:
    record_require_write(acting_user, activity)
    if activity.done_at is not None:
        raise ValidationError({"done_at": "This activity is already done."})
    activity.done_at = at or timezone.now()
    changed = ["done_at"]
    if outcome:
        activity.outcome = outcome
        changed.append("outcome")
    instance_save_versioned(activity, changed=changed)
    lead_activity_recorded(activity)
    _changed(activity, acting_user=acting_user)
    return activity


@transaction.atomic
def activity_delete(activity: Activity, *, acting_user: Any) -> None:
    """Delete an activity and rescore the lead it was on (its engagement points go with it)."""
    record_require_write(acting_user, activity)
    lead = activity.lead
    pk = activity.pk
    activity.delete()
    activity.pk = pk  # the hooks see which activity went, with its links
    if lead is not None:
        lead_rescore(lead)
    _changed(activity, acting_user=acting_user, deleted=True)
