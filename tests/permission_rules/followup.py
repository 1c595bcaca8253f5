"""Permission rules of this feature (see tests/permission_rules/__init__.py): due for contact,
reminders, the calendar (feed address, ICS downloads), tier settings and the follow-up API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.permission_rules.rule import Rule


def _meeting(name: str, owner: Any, visibility: str) -> Any:
    from django.utils import timezone

    from tests.factories import ActivityFactory

    return ActivityFactory(
        owner=owner,
        visibility=visibility,
        subject=name,
        type="meeting",
        due_at=timezone.now() + dt.timedelta(days=1),
    )


def _tier(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.customers.models import TierLevel

    return TierLevel.objects.create(code="ZF", name=name, position=9, contact_every_days=21)


def _tier_rule(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.customers.models import TierLevel
    from salesflow.followup.models import TierRule

    tier = TierLevel.objects.create(code="ZR", name=name, position=9, contact_every_days=21)
    return TierRule.objects.create(tier=tier, metric="annual_revenue", threshold=1000)


RECORDS: dict[str, Any] = {"meeting": _meeting, "tier": _tier, "tier_rule": _tier_rule}

PAGE_RULES: dict[str, Rule] = {
    "followup:due": Rule("signed_in"),
    "followup:reminders": Rule("signed_in"),
    "followup:calendar": Rule("signed_in"),
    "followup:calendar-regenerate": Rule("signed_in", method="POST"),
    "followup:calendar-revoke": Rule("signed_in", method="POST"),
    "followup:activity-ics": Rule("read", "meeting"),
    "followup:tier-list": Rule("admin"),
    "followup:tier-create": Rule("admin"),
    "followup:tier-edit": Rule("admin", "tier"),
    "followup:tier-move": Rule("admin", "tier", method="POST", body={"direction": "up"}),
    "followup:tiers-apply": Rule("admin", method="POST"),
    "followup:rule-create": Rule("admin"),
    "followup:rule-edit": Rule("admin", "tier_rule"),
    "followup:rule-delete": Rule("admin", "tier_rule", method="POST"),
}

API_RULES: dict[str, Rule] = {
    "GET /follow-ups": Rule("signed_in"),
    "GET /tiers": Rule("signed_in"),
    "POST /tiers": Rule("admin", method="POST", body={"code": "Z", "name": "Zebra"}),
    "GET /tiers/{tier_id}": Rule("signed_in", "tier"),
    "PATCH /tiers/{tier_id}": Rule("admin", "tier", "PATCH", {"contact_every_days": 10}),
    "GET /tier-rules": Rule("signed_in"),
    "POST /tier-rules": Rule(
        "admin",
        method="POST",
        body={"tier_id": 999999, "metric": "annual_revenue", "threshold": "1000"},
    ),
    "GET /tier-rules/{rule_id}": Rule("signed_in", "tier_rule"),
    "POST /calendar/token": Rule("signed_in", method="POST"),
    "DELETE /calendar/token": Rule("signed_in", method="DELETE"),
}

ROUTES: list[tuple[str, str]] = [
    ("get", "/follow-ups"),
    ("get", "/tiers"),
    ("post", "/tiers"),
    ("get", "/tiers/{tier_id}"),
    ("patch", "/tiers/{tier_id}"),
    ("get", "/tier-rules"),
    ("post", "/tier-rules"),
    ("get", "/tier-rules/{rule_id}"),
    ("post", "/calendar/token"),
    ("delete", "/calendar/token"),
]
