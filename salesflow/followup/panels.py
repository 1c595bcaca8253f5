"""The follow-up panel of the account page (tier, how it was set, cadence, last contact and next
contact due) and the "Add to calendar" panel of a meeting's, visit's or demo's page (both
registered in `FollowupConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone

from salesflow.core.panels import PanelCall
from salesflow.customers.models import TierLevel
from salesflow.followup.ics import DOWNLOAD_TYPES
from salesflow.followup.models import TierRule
from salesflow.followup.selectors import contact_state


def account_followup_context(call: PanelCall) -> dict[str, Any]:
    account = call.record
    # One query: the account's tier, and whether any tier rule is active (the tier line says
    # "set by the tier rules" only then).
    active_rules = TierRule.objects.filter(is_active=True, tier__is_active=True)
    tier = (
        TierLevel.objects.filter(code=account.tier)
        .annotate(followup_rules_active=Exists(active_rules))
        .first()
    )
    rules_active = tier.followup_rules_active if tier else active_rules.exists()
    today = timezone.localdate()
    return {
        "followup": {
            "tier": tier,
            "rules_active": rules_active,
            "state": contact_state(account.next_contact_due_on, today),
            "days_overdue": (today - account.next_contact_due_on).days
            if account.next_contact_due_on and account.next_contact_due_on < today
            else 0,
        }
    }


def activity_ics_context(call: PanelCall) -> dict[str, Any]:
    """The address of the activity's .ics file: only a meeting, visit or demo with a due date
    has one (what `followup:activity-ics` serves); other activities get no panel."""
    activity = call.record
    if activity.type not in DOWNLOAD_TYPES or activity.due_at is None:
        return {"followup_ics_url": ""}
    return {"followup_ics_url": reverse("followup:activity-ics", args=[activity.pk])}
