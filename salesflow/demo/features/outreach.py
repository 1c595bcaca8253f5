"""Demo data of customer communications (see salesflow/demo/features/__init__.py): a segment,
two email templates, a draft campaign and a campaign sent a week ago with its recorded
statuses (no mail is sent: the rows are written as history; the demo's activity count stays
its own, so no timeline emails are added)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesflow.outreach.models import Mailing, MailingStatus, Recipient, RecipientStatus
from salesflow.outreach.segments import segment_members
from salesflow.outreach.services import (
    segment_create,
    skip_reason,
    template_create,
    unsubscribed_q,
)

MAX_RECIPIENTS = 60


def populate(builder: Any) -> dict[str, int]:
    sender = builder.sellers[0]
    industry = builder.companies[0].account.industry
    segment = segment_create(
        acting_user=sender,
        name=f"{industry} customers with consent",
        description="Everyone at our accounts in this industry who agreed to hear from us.",
        filters={"industry": [industry], "has_consent": True},
    )
    news = template_create(
        acting_user=sender,
        name="Quarterly newsletter",
        subject="What's new for {{ company }}",
        body_text=(
            "Hello {{ first_name }},\n\nhere is what changed this quarter.\n\n"
            "{{ owner_name }} ({{ owner_email }})\n\n"
            "No longer interested? {{ unsubscribe_url }}"
        ),
    )
    invite = template_create(
        acting_user=sender,
        name="Customer day invitation",
        subject="{{ first_name }}, join us at our customer day",
        body_text=(
            "Dear {{ first_name }} {{ last_name }},\n\nwe would be glad to see you and your "
            "colleagues from {{ company }} at our customer day.\n\n{{ sender_name }}\n\n"
            "Unsubscribe: {{ unsubscribe_url }}"
        ),
    )
    sent_at = builder.now - dt.timedelta(days=7)
    common = {"owner": sender, "team": builder.team_of.get(sender.pk), "visibility": "team"}
    done = Mailing.objects.create(
        name="Spring newsletter", kind="newsletter", template=news, segment=segment,
        status=MailingStatus.DONE, sent_by=sender, started_at=sent_at,
        finished_at=sent_at + dt.timedelta(minutes=5), **common,
    )  # fmt: skip
    Mailing.objects.create(
        name="Customer day", kind="event_invitation", template=invite, segment=segment, **common
    )
    members = segment_members(sender, {"industry": [industry]}).annotate(
        is_unsubscribed=unsubscribed_q()
    )[:MAX_RECIPIENTS]
    rows, seen = [], set()
    for index, contact in enumerate(members):
        reason = skip_reason(contact, unsubscribed=contact.is_unsubscribed, seen=seen)
        row = Recipient(mailing=done, contact=contact, email=contact.email, reason=reason)
        if reason:
            row.status = RecipientStatus.SKIPPED
        elif index % 17 == 5:
            row.status, row.error = RecipientStatus.BOUNCED, "550 5.1.1 Mailbox unknown"
            row.bounced_at = sent_at + dt.timedelta(hours=2)
        else:
            row.status, row.sent_at = RecipientStatus.SENT, sent_at
        rows.append(row)
    Recipient.objects.bulk_create(rows)
    return {"email campaigns": 2, "campaign recipients": len(rows)}
