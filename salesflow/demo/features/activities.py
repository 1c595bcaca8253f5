"""Demo data of the activity features (see salesflow/demo/features/__init__.py): invitations
with their reasons and answers, spread over the sellers (each with their own knack for it), and
follow-up chains (a call completed with its next step planned), so the invitations report, the
activity pages and My day show something."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesflow.activities.models import (
    Activity,
    ActivityType,
    InvitationOutcome,
    InvitationReason,
)
from salesflow.activities.next_steps import deals_next_step_refresh_all
from salesflow.demo.generator import timestamps_as_given
from salesflow.pipeline.models import Outcome

INVITATIONS_PER_SELLER = (6, 14)
CHAINS_PER_SELLER = (2, 4)
# What customers answer; each seller's acceptance rate moves the first weight.
ANSWERS = [
    InvitationOutcome.ACCEPTED,
    InvitationOutcome.DECLINED,
    InvitationOutcome.NO_ANSWER,
    InvitationOutcome.RESCHEDULED,
]
SUBJECTS = {
    "New case study in your industry": "Case study: how {company} peers cut costs",
    "Free assessment": "Free assessment for {company}",
    "Product launch event": "Launch event invitation for {company}",
    "Webinar": "Webinar invitation for {company}",
}


def _owned(deal: Any) -> dict[str, Any]:
    return {
        "owner_id": deal.owner_id,
        "team_id": deal.team_id,
        "visibility": deal.visibility,
        "deal": deal,
        "account_id": deal.account_id,
        "contact_id": deal.primary_contact_id,
    }


def _invitations(builder: Any, reasons: list[InvitationReason]) -> list[Activity]:
    rng, now = builder.rng, builder.now
    rows = []
    for seller in builder.sellers:
        deals = [deal for deal in builder.deals if deal.owner_id == seller.pk]
        if not deals:
            continue
        knack = rng.uniform(0.2, 0.6)  # how often this seller's invitations are accepted
        for _ in range(rng.randint(*INVITATIONS_PER_SELLER)):
            deal = rng.choice(deals)
            reason = rng.choice(reasons)
            sent = now - dt.timedelta(days=rng.uniform(1, 120))
            pending = sent > now - dt.timedelta(days=5) and rng.random() < 0.6
            answer = "" if pending else rng.choices(ANSWERS, [knack, 0.35, 0.2, 0.1])[0]
            company = deal.account.name if deal.account_id else deal.name
            rows.append(
                Activity(
                    type=ActivityType.INVITATION,
                    subject=SUBJECTS.get(reason.name, "Invitation for {company}").format(
                        company=company
                    ),
                    invitation_reason=reason,
                    invitation_outcome=answer,
                    due_at=sent,
                    done_at=sent,
                    created_at=sent - dt.timedelta(hours=rng.uniform(1, 48)),
                    updated_at=sent,
                    outcome={"accepted": "They will come", "declined": "Not now"}.get(answer, ""),
                    **_owned(deal),
                )
            )
    return rows


def _chains(builder: Any) -> int:
    """A done call on an open deal, and the meeting planned when it was completed."""
    rng, now = builder.rng, builder.now
    made = 0
    for seller in builder.sellers:
        deals = [
            deal
            for deal in builder.deals
            if deal.owner_id == seller.pk and deal.outcome == Outcome.OPEN
        ]
        for deal in rng.sample(deals, min(len(deals), rng.randint(*CHAINS_PER_SELLER))):
            held = now - dt.timedelta(days=rng.uniform(1, 10))
            call = Activity.objects.create(
                type=ActivityType.CALL,
                subject=f"Call about {deal.name}",
                due_at=held,
                done_at=held,
                outcome="Interested: wants to see it working",
                created_at=held - dt.timedelta(days=2),
                updated_at=held,
                **_owned(deal),
            )
            due = now + dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
            Activity.objects.create(
                type=ActivityType.MEETING,
                subject=f"Meeting: show {deal.name} working",
                due_at=due,
                follows=call,
                created_at=held,
                updated_at=held,
                **_owned(deal),
            )
            made += 1
    return made


def populate(builder: Any) -> dict[str, int]:
    reasons = list(InvitationReason.objects.filter(is_active=True).order_by("name"))
    counts: dict[str, int] = {}
    with timestamps_as_given(Activity):
        if reasons:
            invitations = _invitations(builder, reasons)
            Activity.objects.bulk_create(invitations, batch_size=500)
            counts["invitations"] = len(invitations)
        counts["follow-up chains"] = _chains(builder)
    # The demo bulk-creates its activities: count each deal's next step once they are in.
    deals_next_step_refresh_all()
    return counts
