"""Permission rules of customer communications (see tests/permission_rules/__init__.py).

Segments, email templates and email campaigns are owned records: read and changed like any
other (own, team-shared, a manager's teams, admins). Emailing a contact or a deal's contact
needs only to read it, as logging an activity on it does.
"""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule


def _segment(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.outreach.models import Segment

    return Segment.objects.create(
        name=name, owner=owner, team=owner.teams.first(), visibility=visibility,
        filters={"industry": ["Software"]},
    )  # fmt: skip


def _template(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.outreach.models import EmailTemplate

    return EmailTemplate.objects.create(
        name=name, subject=f"{name} news", body_text="Hello {{ first_name }}", owner=owner,
        team=owner.teams.first(), visibility=visibility,
    )  # fmt: skip


def _mailing(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.outreach.models import Mailing

    return Mailing.objects.create(
        name=name, kind="newsletter", template=_template(name, owner, visibility),
        segment=_segment(name, owner, visibility), owner=owner, team=owner.teams.first(),
        visibility=visibility,
    )  # fmt: skip


RECORDS: dict[str, Any] = {"segment": _segment, "email_template": _template, "mailing": _mailing}

PAGE_RULES: dict[str, Rule] = {
    "outreach:campaign-list": Rule("signed_in", lists="mailing"),
    "outreach:campaign-create": Rule("signed_in"),
    "outreach:campaign-detail": Rule("read", "mailing"),
    "outreach:campaign-edit": Rule("write", "mailing"),
    "outreach:campaign-send": Rule("write", "mailing", method="POST"),
    "outreach:campaign-resume": Rule("write", "mailing", method="POST"),
    "outreach:campaign-bounces": Rule(
        "write", "mailing", method="POST", body={"emails": "x@example.org"}
    ),
    "outreach:segment-list": Rule("signed_in", lists="segment"),
    "outreach:segment-create": Rule("signed_in"),
    "outreach:segment-detail": Rule("read", "segment"),
    "outreach:segment-edit": Rule("write", "segment"),
    "outreach:template-list": Rule("signed_in", lists="email_template"),
    "outreach:template-create": Rule("signed_in"),
    "outreach:template-detail": Rule("read", "email_template"),
    "outreach:template-edit": Rule("write", "email_template"),
    "outreach:contact-email": Rule("read", "contact"),
    "outreach:deal-email": Rule("read", "deal"),
}

API_RULES: dict[str, Rule] = {
    "GET /segments": Rule("signed_in", lists="segment"),
    "POST /segments": Rule("signed_in", method="POST", body={"name": "New segment"}),
    "GET /segments/{segment_id}": Rule("read", "segment"),
    "GET /segments/{segment_id}/preview": Rule("read", "segment"),
    "PATCH /segments/{segment_id}": Rule("write", "segment", "PATCH", {"description": "x"}),
    "GET /email-templates": Rule("signed_in", lists="email_template"),
    "POST /email-templates": Rule(
        "signed_in", method="POST", body={"name": "T", "subject": "S", "body_text": "B"}
    ),
    "GET /email-templates/{template_id}": Rule("read", "email_template"),
    "PATCH /email-templates/{template_id}": Rule(
        "write", "email_template", "PATCH", {"subject": "New subject"}
    ),
    "GET /email-campaigns": Rule("signed_in", lists="mailing"),
    "POST /email-campaigns": Rule(
        "signed_in",
        method="POST",
        body={"name": "C", "kind": "newsletter", "template_id": 999999, "segment_id": 999999},
    ),
    "GET /email-campaigns/{campaign_id}": Rule("read", "mailing"),
    "POST /email-campaigns/{campaign_id}/send": Rule("write", "mailing", "POST"),
    "POST /email-campaigns/{campaign_id}/resume": Rule("write", "mailing", "POST"),
    "GET /email-campaigns/{campaign_id}/recipients": Rule("read", "mailing"),
    "POST /email-campaigns/{campaign_id}/bounces": Rule(
        "write", "mailing", "POST", {"emails": ["x@example.org"]}
    ),
    "POST /contacts/{contact_id}/email": Rule(
        "read", "contact", "POST", {"subject": "Hello", "body": "Hi"}
    ),
}

ROUTES: list[tuple[str, str]] = [
    (key.split(" ", 1)[0].lower(), key.split(" ", 1)[1]) for key in API_RULES
]
