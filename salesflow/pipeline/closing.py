"""What happens when a deal is won: the hand-over to delivery and the won hooks.

`deal_won_hooks` is the extension point for later features (follow-up cadences, referral
requests, ...). Register a callable once, from your AppConfig.ready():

    from salesflow.pipeline.closing import deal_won_hook_register

    def referral_ask_plan(deal, *, acting_user):
        ...

    deal_won_hook_register(referral_ask_plan)

Each hook is called as `hook(deal, acting_user=user)` after the deal is saved as won (or
upgraded) and the hand-over task exists, inside the closing transaction: its database writes
commit or roll back with the close, and an exception refuses the close. A hook that sends
anything outside the database (email, webhook, a queued task) must do so from
`transaction.on_commit`, so nothing is sent for a close that rolls back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.pipeline.models import WON_OUTCOMES, Deal
from salesflow.pipeline.next_steps import deals_next_step_refresh

DealWonHook = Callable[..., None]

deal_won_hooks: list[DealWonHook] = []

HANDOVER_SUBJECT = "Hand over to delivery"
HANDOVER_DUE_IN = dt.timedelta(days=1)


def deal_won_hook_register(hook: DealWonHook) -> None:
    """Add a hook once (registering the same callable again does nothing)."""
    if hook not in deal_won_hooks:
        deal_won_hooks.append(hook)


def upgrade_check(deal: Deal) -> None:
    """An upgrade sells more to an existing customer: the account must already have a sale."""
    if deal.account_id is None:
        raise ValidationError(
            {"outcome": "The deal has no account yet, so this is not an upgrade; close it as won."}
        )
    has_sale = (
        Deal.objects.filter(account_id=deal.account_id, outcome__in=WON_OUTCOMES)
        .exclude(pk=deal.pk)
        .exists()
    )
    if not has_sale:
        raise ValidationError(
            {
                "outcome": f"{deal.account} has no won deal yet, so this is not an upgrade; "
                "close it as won."
            }
        )


def handover_task_create(deal: Deal, *, at: dt.datetime | None = None) -> Any:
    """The "Hand over to delivery" task: for the pipeline's delivery person or team, else the
    deal's owner.

    Written through the deal's reverse relation so this app needs no import of the activities
    app (activities depend on pipeline). The assignee was configured by an admin, so the
    acting user need not be allowed to assign records to them.
    """
    pipeline = deal.pipeline
    if pipeline.handover_owner_id or pipeline.handover_team_id:
        owner = pipeline.handover_owner
        team = pipeline.handover_team or (owner.teams.order_by("pk").first() if owner else None)
        visibility = "team"  # the delivery team sees the hand-over, whatever the deal's sharing
    else:
        owner, team, visibility = deal.owner, deal.team, deal.visibility
    at = at or timezone.now()
    amount = f"{deal.amount} {deal.currency}" if deal.amount is not None else "no amount"
    customer = f" for {deal.account}" if deal.account_id else ""
    task = deal.activities.model(
        type="task",
        subject=HANDOVER_SUBJECT,
        body=(
            f"{deal.name}{customer} was won ({amount}). Settle the delivery details "
            "and introduce the people who take over."
        ),
        due_at=at + HANDOVER_DUE_IN,
        deal=deal,
        account=deal.account,
        contact=deal.primary_contact,
        owner=owner,
        team=team,
        visibility=visibility,
    )
    task.full_clean()
    task.save()
    deals_next_step_refresh([deal.pk])
    return task


def deal_won_run(deal: Deal, *, acting_user: Any, at: dt.datetime | None = None) -> None:
    """After a won (or upgraded) close: the hand-over task, then every registered hook."""
    handover_task_create(deal, at=at)
    for hook in list(deal_won_hooks):
        hook(deal, acting_user=acting_user)
