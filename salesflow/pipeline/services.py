"""Deals and their moves through the pipeline. Every StageChange row is written here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.pipeline.models import Deal, LostReason, Outcome, Stage, StageChange, StageKind
from salesflow.pipeline.selectors import pipeline_default, stage_first_open, stage_of_kind
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

DEAL_FIELDS = {
    "name", "account", "primary_contact", "lead", "pipeline", "stage", "amount", "currency",
    "expected_close_on", "external_id", "owner", "team", "visibility",
}  # fmt: skip
DEAL_UPDATE_FIELDS = DEAL_FIELDS - {"pipeline", "stage", "lead"}
NEEDS_REASON = {Outcome.LOST, Outcome.SUSPENDED}


@transaction.atomic
def deal_create(*, acting_user: Any, at: dt.datetime | None = None, **data: Any) -> Deal:
    at = at or timezone.now()
    pipeline = data.get("pipeline") or pipeline_default()
    data["pipeline"] = pipeline
    stage = data.get("stage") or stage_first_open(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError(
            {"stage": f"Stage {stage.name!r} is not in pipeline {pipeline.name!r}."}
        )
    if stage.is_terminal:
        raise ValidationError({"stage": "A new deal starts in an open stage; close it afterwards."})
    data["stage"] = stage
    data = ownership_defaults(acting_user=acting_user, data=data)
    deal = Deal(stage_entered_at=at)
    fields_assign(deal, data, allowed=DEAL_FIELDS)
    if deal.primary_contact_id and deal.primary_contact.account_id not in (None, deal.account_id):
        raise ValidationError({"primary_contact": "This contact works at another account."})
    deal.full_clean()
    deal.save()
    StageChange.objects.create(
        deal=deal, from_stage=None, to_stage=stage, changed_at=at, changed_by=acting_user
    )
    return deal


@transaction.atomic
def deal_update(
    deal: Deal, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Deal:
    """Change a deal's fields. Stage and outcome change only through move and close."""
    record_require_write(acting_user, deal)
    for name in ("stage", "pipeline", "outcome", "lost_reason", "closed_at"):
        if name in data:
            raise ValidationError({name: "Use the move or close action to change this."})
    owner_change_check(acting_user=acting_user, record=deal, data=data)
    changed = fields_assign(deal, data, allowed=DEAL_UPDATE_FIELDS)
    return instance_save_versioned(deal, changed=changed, expected_version=expected_version)


def _deal_transition(
    deal: Deal,
    *,
    acting_user: Any,
    to_stage: Stage,
    outcome: str,
    lost_reason: LostReason | None = None,
    amount: Decimal | None = None,
    at: dt.datetime | None = None,
    override_reason: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Apply a stage and/or outcome change and write its StageChange, or nothing at all."""
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
    return deal


@transaction.atomic
def deal_move(
    deal: Deal,
    *,
    to_stage: Stage,
    acting_user: Any,
    lost_reason: LostReason | None = None,
    override_reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Deal:
    """Move a deal within its pipeline; into Won/Lost closes it, out of them reopens it."""
    record_require_write(acting_user, deal)
    if to_stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": f"Stage {to_stage.name!r} belongs to another pipeline."})
    outcome = {StageKind.WON: Outcome.WON, StageKind.LOST: Outcome.LOST}.get(
        to_stage.kind, Outcome.OPEN
    )
    if outcome == Outcome.LOST and lost_reason is None:
        raise ValidationError({"lost_reason": "Say why the deal was lost."})
    return _deal_transition(
        deal,
        acting_user=acting_user,
        to_stage=to_stage,
        outcome=outcome,
        lost_reason=lost_reason,
        at=at,
        override_reason=override_reason,
        expected_version=expected_version,
    )


@transaction.atomic
def deal_close(
    deal: Deal,
    *,
    outcome: str,
    acting_user: Any,
    lost_reason: LostReason | None = None,
    amount: Decimal | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Deal:
    """Close a deal as won, lost or suspended. Lost and suspended need a reason."""
    record_require_write(acting_user, deal)
    if outcome not in (Outcome.WON, Outcome.LOST, Outcome.SUSPENDED):
        raise ValidationError({"outcome": "Choose won, lost or suspended."})
    if outcome in NEEDS_REASON and lost_reason is None:
        raise ValidationError({"lost_reason": f"Say why the deal is {outcome}."})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": "The final amount cannot be negative."})
    to_stage = deal.stage
    if outcome in (Outcome.WON, Outcome.LOST):
        terminal = stage_of_kind(deal.pipeline, outcome)
        if terminal is None:
            raise ValidationError(
                {"outcome": f"Pipeline {deal.pipeline.name!r} has no {outcome} stage."}
            )
        to_stage = terminal
    return _deal_transition(
        deal,
        acting_user=acting_user,
        to_stage=to_stage,
        outcome=outcome,
        lost_reason=lost_reason,
        amount=amount,
        at=at,
        note=note,
        expected_version=expected_version,
    )


@transaction.atomic
def deal_reopen(
    deal: Deal,
    *,
    acting_user: Any,
    to_stage: Stage | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Deal:
    """Reopen a closed deal: a suspended deal resumes in its stage, a won/lost one goes back."""
    record_require_write(acting_user, deal)
    if not deal.is_closed:
        raise ValidationError({"outcome": "The deal is already open."})
    if to_stage is None:
        to_stage = deal.stage
        if deal.stage.is_terminal:
            to_stage = (
                deal.pipeline.stages.filter(kind=StageKind.OPEN).order_by("-position").first()
            )
    if to_stage.pipeline_id != deal.pipeline_id or to_stage.is_terminal:
        raise ValidationError({"stage": "Reopen into an open stage of the deal's pipeline."})
    return _deal_transition(
        deal,
        acting_user=acting_user,
        to_stage=to_stage,
        outcome=Outcome.OPEN,
        at=at,
        note="Reopened",
        expected_version=expected_version,
    )


@transaction.atomic
def deal_delete(deal: Deal, *, acting_user: Any) -> None:
    record_require_write(acting_user, deal)
    deal.delete()


@dataclass
class DealHistory:
    """A deal with its past, for demo data and imports of historical deals.

    `path` lists (stage, entered_at, moved_by) in order; the last entry is the current stage.
    """

    deal: Deal
    path: list[tuple[Stage, dt.datetime, Any]] = field(default_factory=list)
    outcome: str = Outcome.OPEN
    closed_at: dt.datetime | None = None


@transaction.atomic
def deals_create_with_history(histories: list[DealHistory], *, batch_size: int = 500) -> list[Deal]:
    """Insert many deals with their StageChange rows in a few statements.

    The same rules as the single-deal services: the stage path stays in the deal's pipeline,
    a deal ends in its last stage, lost and suspended deals carry a reason, closed deals a date.
    """
    for index, history in enumerate(histories):
        deal = history.deal
        if not history.path:
            raise ValidationError({"stage": f"Deal {index + 1} ({deal.name!r}) has no stage path."})
        last_stage, last_at, _ = history.path[-1]
        if any(stage.pipeline_id != deal.pipeline_id for stage, _, _ in history.path):
            raise ValidationError({"stage": f"Deal {deal.name!r} has a stage of another pipeline."})
        deal.stage = last_stage
        deal.stage_entered_at = last_at
        deal.outcome = history.outcome
        deal.closed_at = history.closed_at if history.outcome != Outcome.OPEN else None
        if deal.outcome != Outcome.OPEN and deal.closed_at is None:
            deal.closed_at = last_at
        if deal.outcome in NEEDS_REASON and deal.lost_reason_id is None:
            raise ValidationError(
                {"lost_reason": f"Deal {deal.name!r} is {deal.outcome} without a reason."}
            )
    deals = Deal.objects.bulk_create([h.deal for h in histories], batch_size=batch_size)
    changes = []
    for history in histories:
        previous: Stage | None = None
        for position, (stage, at, by) in enumerate(history.path):
            is_last = position == len(history.path) - 1
            final_outcome = history.outcome if is_last and stage.is_terminal else Outcome.OPEN
            changes.append(
                StageChange(
                    deal=history.deal,
                    from_stage=previous,
                    to_stage=stage,
                    from_outcome="" if previous is None else Outcome.OPEN,
                    to_outcome=final_outcome,
                    changed_at=at,
                    changed_by=by,
                    is_backward=previous is not None and stage.position < previous.position,
                )
            )
            previous = stage
        if history.outcome == Outcome.SUSPENDED:
            changes.append(
                StageChange(
                    deal=history.deal,
                    from_stage=previous,
                    to_stage=previous,
                    from_outcome=Outcome.OPEN,
                    to_outcome=Outcome.SUSPENDED,
                    changed_at=history.deal.closed_at,
                    changed_by=history.path[-1][2],
                )
            )
    StageChange.objects.bulk_create(changes, batch_size=batch_size * 4)
    return deals
