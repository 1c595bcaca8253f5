"""The one writer of StageChange rows: applies a stage and/or outcome change to a deal.

Callers (the move, close and reopen services, stage removal) check their own rules first;
this module only makes the change atomically, versioned, and records it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.core.services import instance_save_versioned
from salesflow.pipeline.models import Deal, LostReason, Outcome, Stage, StageChange

NEEDS_REASON = {Outcome.LOST, Outcome.SUSPENDED}

# Called as `hook(deal_ids)` by every writer of StageChange rows, inside its transaction, once
# the deals' new history is written (analytics keeps its report summaries current this way;
# pipeline cannot import analytics). Register from an AppConfig.ready().
history_changed_hooks: list[Callable[[list[int]], None]] = []


def history_changed_hook_register(hook: Callable[[list[int]], None]) -> None:
    if hook not in history_changed_hooks:
        history_changed_hooks.append(hook)


def history_changed(deal_ids: list[int]) -> None:
    """Tell the hooks that these deals' stage history changed."""
    for hook in history_changed_hooks:
        hook(deal_ids)


def transition_apply(
    deal: Deal,
    *,
    acting_user: Any,
    to_stage: Stage,
    outcome: str,
    lost_reason: LostReason | None = None,
    amount: Decimal | None = None,
    technique: str = "",
    closed_on: dt.date | None = None,
    at: dt.datetime | None = None,
    override_reason: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Apply the change and write its StageChange, or nothing at all. Run inside a transaction."""
    at = at or timezone.now()
    from_stage, from_outcome = deal.stage, deal.outcome
    changed = []
    if to_stage.pk != deal.stage_id:
        deal.stage = to_stage
        deal.stage_entered_at = at
        changed += ["stage", "stage_entered_at"]
    if outcome != deal.outcome:
        deal.outcome = outcome
        deal.closed_at = None if outcome == Outcome.OPEN else at
        changed += ["outcome", "closed_at"]
    new_closed_on = None if outcome == Outcome.OPEN else closed_on or deal.closed_on
    if outcome != Outcome.OPEN and new_closed_on is None:
        new_closed_on = timezone.localdate(at)
    new_technique = "" if outcome == Outcome.OPEN else technique or deal.closing_technique
    for name, value in (("closed_on", new_closed_on), ("closing_technique", new_technique)):
        if getattr(deal, name) != value:
            setattr(deal, name, value)
            changed.append(name)
    new_reason = lost_reason if outcome in NEEDS_REASON else None
    if (new_reason.pk if new_reason else None) != deal.lost_reason_id:
        deal.lost_reason = new_reason
        changed.append("lost_reason")
    if amount is not None and amount != deal.amount:
        deal.amount = amount
        changed.append("amount")
    if not ({"stage", "outcome"} & set(changed)):
        raise ValidationError({"stage": f"The deal is already in {to_stage.name!r} ({outcome})."})
    instance_save_versioned(deal, changed=changed, expected_version=expected_version)
    StageChange.objects.create(
        deal=deal,
        from_stage=from_stage,
        to_stage=to_stage,
        from_outcome=from_outcome,
        to_outcome=outcome,
        changed_at=at,
        changed_by=acting_user,
        is_backward=to_stage.position < from_stage.position,
        override_reason=override_reason,
        note=note,
    )
    history_changed([deal.pk])
    return deal


def version_check(deal: Deal, expected_version: int | None) -> None:
    """Refuse a stale write before any rule is checked (ConflictError, as a save would)."""
    instance_save_versioned(deal, changed=[], expected_version=expected_version)
