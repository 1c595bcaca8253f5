"""Permission rules of this feature (see tests/permission_rules/__init__.py): the activity page,
completing with a next step, timelines paged, invitation reasons and the invitations report."""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule


def _invitation_reason(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.activities.models import InvitationReason

    return InvitationReason.objects.create(name=name)


RECORDS: dict[str, Any] = {"invitation_reason": _invitation_reason}

PAGE_RULES: dict[str, Rule] = {
    "activities:activity-detail": Rule("read", "activity"),
    "activities:account-timeline": Rule("read", "account"),
    "activities:contact-timeline": Rule("read", "contact"),
    "activities:invitation-reasons": Rule("admin"),
    "activities:invitation-reason-edit": Rule("admin", "invitation_reason"),
}

API_RULES: dict[str, Rule] = {
    "POST /activities/{activity_id}/complete": Rule(
        "write", "activity", "POST", {"no_next_step_reason": "They are going with a rival"}
    ),
    "GET /invitation-reasons": Rule("signed_in"),
    "POST /invitation-reasons": Rule("admin", method="POST", body={"name": "Site tour"}),
    "GET /invitation-reasons/{reason_id}": Rule("signed_in", "invitation_reason"),
    "PATCH /invitation-reasons/{reason_id}": Rule(
        "admin", "invitation_reason", "PATCH", {"is_active": False}
    ),
    "GET /analytics/invitations": Rule("signed_in"),
}

ROUTES: list[tuple[str, str]] = [
    ("post", "/activities/{activity_id}/complete"),
    ("get", "/invitation-reasons"),
    ("post", "/invitation-reasons"),
    ("get", "/invitation-reasons/{reason_id}"),
    ("patch", "/invitation-reasons/{reason_id}"),
    ("get", "/analytics/invitations"),
]
