"""The follow-up panel of the account page: tier, how it was set, cadence, last contact and
next contact due (registered in `FollowupConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from salesflow.core.panels import PanelCall
from salesflow.customers.models import TierLevel
from salesflow.followup.selectors import contact_state


def account_followup_context(call: PanelCall) -> dict[str, Any]:
    account = call.record
    tier = TierLevel.objects.filter(code=account.tier).first()
    today = timezone.localdate()
    return {
        "followup": {
            "tier": tier,
            "state": contact_state(account.next_contact_due_on, today),
            "days_overdue": (today - account.next_contact_due_on).days
            if account.next_contact_due_on and account.next_contact_due_on < today
            else 0,
        }
    }
