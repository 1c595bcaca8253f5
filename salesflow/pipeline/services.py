"""Deals and their moves through the pipeline.

StageChange rows are written only through `salesflow.pipeline.transitions`. This module also
re-exports the configuration services (pipelines, stages, exit criteria) and the deal-knowledge
services (stakeholders, competitors), so callers import every pipeline write from one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from salesflow.core.errors import ConflictError
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customfields.services import custom_assign
from salesflow.leads.models import Qualification
from salesflow.pipeline.closing import deal_won_run, upgrade_check
from salesflow.pipeline.configuration import (
    pipeline_create,
    pipeline_update,
    stage_add,
    stage_remove,
    stage_rename,
    stage_requirement_add,
    stage_requirement_remove,
    stage_requirement_update,
    stage_requirements_reorder,
    stage_update,
    stages_reorder,
)
from salesflow.pipeline.criteria import exit_criteria_enforce
from salesflow.pipeline.models import (
    WON_OUTCOMES,
    ClosingTechnique,
    Deal,
    LostReason,
    Outcome,
    Stage,
    StageChange,
    StageKind,
)
from salesflow.pipeline.selectors import pipeline_default, stage_first_open, stage_of_kind
from salesflow.pipeline.stakeholders import (
    competitor_create,
    competitor_update,
    deal_competitor_add,
    deal_competitor_remove,
    deal_competitor_update,
    decision_maker_add_from_bant,
    stakeholder_add,
    stakeholder_remove,
    stakeholder_update,
)
from salesflow.pipeline.transitions import (
    NEEDS_REASON,
    history_changed,
    transition_apply,
    version_check,
)
from salesflow.users.policy import require_admin
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

__all__ = [
    "DEAL_FIELDS",
    "DEAL_UPDATE_FIELDS",
    "NEEDS_REASON",
    "DealHistory",
    "competitor_create",
    "competitor_update",
    "deal_close",
    "deal_competitor_add",
    "deal_competitor_remove",
    "deal_competitor_update",
    "deal_create",
    "deal_delete",
    "deal_move",
    "deal_qualification_record",
    "deal_reopen",
    "deal_update",
    "deals_create_with_history",
    "decision_maker_add_from_bant",
    "pipeline_create",
    "pipeline_update",
    "stage_add",
    "stage_remove",
    "stage_rename",
    "stage_requirement_add",
    "stage_requirement_remove",
    "stage_requirement_update",
    "stage_requirements_reorder",
    "stage_update",
    "stages_reorder",
    "stakeholder_add",
    "stakeholder_remove",
    "stakeholder_update",
]

DEAL_FIELDS = {
    "name", "account", "primary_contact", "lead", "pipeline", "stage", "amount", "currency",
    "expected_close_on", "external_id", "owner", "team", "visibility", "qualification",
}  # fmt: skip
DEAL_UPDATE_FIELDS = DEAL_FIELDS - {"pipeline", "stage", "lead", "qualification"}
CLOSE_OUTCOMES = (Outcome.WON, Outcome.UPGRADED, Outcome.LOST, Outcome.SUSPENDED)


def deal_contact_check(deal: Deal) -> None:
    """A new deal's primary contact works at the deal's account (or at none)."""
    if (
        deal.account_id
        and deal.primary_contact_id
        and deal.primary_contact.account_id not in (None, deal.account_id)
    ):
        raise ValidationError({"primary_contact": "This contact works at another account."})


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
    if stage.is_archived:
        raise ValidationError({"stage": f"Stage {stage.name!r} was removed from the pipeline."})
    data["stage"] = stage
    data = ownership_defaults(acting_user=acting_user, data=data)
    deal = Deal(stage_entered_at=at)
    custom_assign(deal, data, kind="deal")
    fields_assign(deal, data, allowed=DEAL_FIELDS)
    deal_contact_check(deal)
    deal.full_clean()
    deal.save()
    StageChange.objects.create(
        deal=deal, from_stage=None, to_stage=stage, changed_at=at, changed_by=acting_user
    )
    history_changed([deal.pk])
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
    changed = custom_assign(deal, data, kind="deal")
    changed += fields_assign(deal, data, allowed=DEAL_UPDATE_FIELDS)
    if "amount" in changed and deal.amount_from_lines:
        # A typed amount stops the amount following the product lines' total.
        deal.amount_from_lines = False
        changed.append("amount_from_lines")
    return instance_save_versioned(deal, changed=changed, expected_version=expected_version)


@transaction.atomic
def deal_move(
    deal: Deal,
    *,
    to_stage: Stage,
    acting_user: Any,
    lost_reason: LostReason | None = None,
    override_reason: str | None = "",
    expected_version: int | None = None,
    from_stage: Stage | None = None,
    at: dt.datetime | None = None,
) -> Deal:
    """Move a deal within its pipeline; into Won/Lost closes it, out of them reopens it.

    A forward move (to a later open stage, or to Won) must meet the exit criteria of every
    stage it leaves: otherwise DomainError("This deal cannot leave <stage> yet.") with all
    missing items. A manager or admin may move anyway by giving `override_reason`, which the
    StageChange records. Backward moves are always allowed (and recorded as backward).

    `expected_version` (the version the caller read) or `from_stage` (the stage the caller saw
    the deal in) makes the move apply only to what the caller saw: otherwise ConflictError.
    With `from_stage` alone the move is tied to the version read with the deal, so of several
    moves sent from the same stage at once exactly one applies.
    """
    record_require_write(acting_user, deal)
    if from_stage is not None:
        if from_stage.pk != deal.stage_id:
            raise ConflictError(
                f"This deal is in {deal.stage.name!r} now, not {from_stage.name!r}: someone "
                "moved it since you looked, so it was not moved. Look at it again."
            )
        if expected_version is None:
            expected_version = deal.version
    if to_stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": f"Stage {to_stage.name!r} belongs to another pipeline."})
    if to_stage.is_archived:
        raise ValidationError({"stage": f"Stage {to_stage.name!r} was removed from the pipeline."})
    outcome = {StageKind.WON: Outcome.WON, StageKind.LOST: Outcome.LOST}.get(
        to_stage.kind, Outcome.OPEN
    )
    if outcome == Outcome.LOST and lost_reason is None:
        raise ValidationError({"lost_reason": "Say why the deal was lost."})
    version_check(deal, expected_version)
    was_won = deal.is_won
    reason = exit_criteria_enforce(
        deal, to_stage=to_stage, acting_user=acting_user, override_reason=override_reason
    )
    deal = transition_apply(
        deal,
        acting_user=acting_user,
        to_stage=to_stage,
        outcome=outcome,
        lost_reason=lost_reason,
        at=at,
        override_reason=reason,
        expected_version=expected_version,
    )
    if deal.is_won and not was_won:
        deal_won_run(deal, acting_user=acting_user, at=at)
    return deal


@transaction.atomic
def deal_close(
    deal: Deal,
    *,
    outcome: str,
    acting_user: Any,
    lost_reason: LostReason | None = None,
    amount: Decimal | None = None,
    note: str = "",
    technique: str = "",
    closed_on: dt.date | None = None,
    override_reason: str | None = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Deal:
    """Close a deal as won, upgraded, lost or suspended.

    Lost and suspended need a reason (`lost_reason`). Upgraded (an upsell) needs an account
    that already has a won deal. Won and upgraded move the deal to the Won stage, which is a
    forward move: the exit criteria apply as in `deal_move` (with the same override), and the
    hand-over task and `deal_won_hooks` run. `technique` is a ClosingTechnique value,
    `closed_on` the day the customer decided (today when not given; never in the future).
    """
    record_require_write(acting_user, deal)
    if outcome not in CLOSE_OUTCOMES:
        raise ValidationError({"outcome": "Choose won, upgraded, lost or suspended."})
    if outcome in NEEDS_REASON and lost_reason is None:
        raise ValidationError({"lost_reason": f"Say why the deal is {outcome}."})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": "The final amount cannot be negative."})
    if technique and technique not in ClosingTechnique.values:
        raise ValidationError({"technique": "Choose a closing technique from the list."})
    if closed_on is not None and closed_on > timezone.localdate(at or timezone.now()):
        raise ValidationError({"closed_on": "A deal cannot close in the future."})
    version_check(deal, expected_version)
    if outcome == Outcome.UPGRADED:
        upgrade_check(deal)
    was_won = deal.is_won
    to_stage = deal.stage
    reason = ""
    if outcome != Outcome.SUSPENDED:
        kind = StageKind.LOST if outcome == Outcome.LOST else StageKind.WON
        terminal = stage_of_kind(deal.pipeline, kind)
        if terminal is None:
            raise ValidationError(
                {"outcome": f"Pipeline {deal.pipeline.name!r} has no {kind} stage."}
            )
        to_stage = terminal
    if outcome in WON_OUTCOMES:
        reason = exit_criteria_enforce(
            deal, to_stage=to_stage, acting_user=acting_user, override_reason=override_reason
        )
    deal = transition_apply(
        deal,
        acting_user=acting_user,
        to_stage=to_stage,
        outcome=outcome,
        lost_reason=lost_reason,
        amount=amount,
        technique=technique,
        closed_on=closed_on,
        at=at,
        note=note,
        override_reason=reason,
        expected_version=expected_version,
    )
    if deal.is_won and not was_won:
        deal_won_run(deal, acting_user=acting_user, at=at)
    return deal


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
                deal.pipeline.stages.active()
                .filter(kind=StageKind.OPEN)
                .order_by("-position")
                .first()
            )
    if to_stage.pipeline_id != deal.pipeline_id or to_stage.is_terminal or to_stage.is_archived:
        raise ValidationError({"stage": "Reopen into an open stage of the deal's pipeline."})
    return transition_apply(
        deal,
        acting_user=acting_user,
        to_stage=to_stage,
        outcome=Outcome.OPEN,
        at=at,
        note="Reopened",
        expected_version=expected_version,
    )


# The BANT answers a deal may record; the same fields as on a lead (leads.services). Not imported
# from there: the leads services will call into this module to convert leads into deals.
BANT_FIELDS = {
    "budget_amount", "budget_currency", "is_budget_confirmed", "is_decision_maker",
    "decision_maker_name", "need", "pain_level", "timeline_on",
}  # fmt: skip


@transaction.atomic
def deal_qualification_record(deal: Deal, *, acting_user: Any, **answers: Any) -> Qualification:
    """Record or change the deal's BANT answers. A deal converted from a lead shares the lead's
    record, so the answers show on both; a deal created directly gets its own."""
    record_require_write(acting_user, deal)
    bant = deal.qualification or Qualification()
    fields_assign(bant, answers, allowed=BANT_FIELDS)
    if bant.is_budget_confirmed and bant.budget_amount is None:
        raise ValidationError({"budget_amount": "Give the budget that was confirmed."})
    bant.recorded_at = timezone.now()
    bant.recorded_by = acting_user
    bant.full_clean()
    bant.save()
    if deal.qualification_id != bant.pk:
        deal.qualification = bant
        instance_save_versioned(deal, changed=["qualification"])
    return bant


@transaction.atomic
def deal_delete(deal: Deal, *, acting_user: Any) -> None:
    record_require_write(acting_user, deal)
    deal.delete()


@dataclass
class DealHistory:
    """A deal with its past, for demo data and imports of historical deals.

    `path` lists (stage, entered_at, moved_by) in order; the last entry is the current stage.
    `estimated` holds the positions in `path` whose moment no source gave (their StageChange is
    stored with `is_estimated`), `is_closed_at_estimated` the same for a suspension's moment.
    """

    deal: Deal
    path: list[tuple[Stage, dt.datetime, Any]] = field(default_factory=list)
    outcome: str = Outcome.OPEN
    closed_at: dt.datetime | None = None
    estimated: set[int] = field(default_factory=set)
    is_closed_at_estimated: bool = False


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
        if deal.outcome != Outcome.OPEN and deal.closed_on is None:
            deal.closed_on = timezone.localdate(deal.closed_at)
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
                    is_estimated=position in history.estimated,
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
                    is_estimated=history.is_closed_at_estimated,
                )
            )
    StageChange.objects.bulk_create(changes, batch_size=batch_size * 4)
    history_changed([deal.pk for deal in deals])
    return deals


# Lost reasons (admins). Added for the settings pages: a reason is retired, never deleted,
# because closed deals keep pointing at it.
LOST_REASON_EDITABLE = {"name", "position", "is_active"}


@transaction.atomic
def lost_reason_create(*, name: str, acting_user: Any, position: int | None = None) -> LostReason:
    require_admin(acting_user)
    if position is None:
        position = (LostReason.objects.aggregate(last=Max("position"))["last"] or 0) + 1
    reason = LostReason(name=name.strip(), position=position)
    reason.full_clean()
    reason.save()
    return reason


@transaction.atomic
def lost_reason_update(reason: LostReason, *, acting_user: Any, **changes: Any) -> LostReason:
    """Rename, reorder, or `is_active=False` to retire it (deals lost for it keep it)."""
    require_admin(acting_user)
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    changed = fields_assign(reason, changes, allowed=LOST_REASON_EDITABLE)
    if changed:
        reason.full_clean()
        reason.save(update_fields=changed)
    return reason
