"""Deals: opportunities moving through a pipeline, and their stage history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.bant import bant_answers_as_read, bant_stored
from salesflow.api.lookups import link_resolve, links_resolve, lost_reasons_active
from salesflow.api.routers.leads import TeamPeriodQuery, team_period_filters
from salesflow.api.schemas import (
    AMOUNT,
    CUSTOM_FILTER_DESCRIPTION,
    CUSTOM_IN_DESCRIPTION,
    CUSTOM_OUT_DESCRIPTION,
    READ_DESCRIPTION,
    READ_ERRORS,
    WRITE_ERRORS,
    BantRead,
    InputSchema,
    OwnedOut,
    QualificationOut,
    VersionedPatch,
    VisibilityIn,
    choices_literal,
    custom_filtered,
    filtered,
    page,
)
from salesflow.leads.models import Qualification
from salesflow.pipeline.models import (
    ClosingTechnique,
    LostReason,
    Outcome,
    Pipeline,
    Stage,
    StageKind,
)
from salesflow.pipeline.selectors import (
    NEXT_STEP_CHOICES,
    deal_get_for_user,
    deal_move_blockers,
    deal_next_step_state,
    deals_filtered,
    pipeline_default,
    stage_resolve,
    stages_active,
)
from salesflow.pipeline.services import (
    NEEDS_REASON,
    deal_close,
    deal_create,
    deal_delete,
    deal_move,
    deal_qualification_record,
    deal_reopen,
    deal_update,
)

router = Router(tags=["deals"])

OutcomeIn = choices_literal(Outcome)
CloseOutcomeIn = choices_literal(Outcome, exclude=(Outcome.OPEN,))
TechniqueIn = choices_literal(ClosingTechnique, blank=True)
StageRef = int | str
_AMOUNT = AMOUNT


class DealIn(InputSchema):
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)
    name: str = Field(max_length=200)
    account_id: int | None = Field(None, description="Empty while the customer is not known.")
    primary_contact_id: int | None = None
    lead_id: int | None = None
    pipeline_id: int = Field(None, description="Defaults to the default pipeline.")
    stage: StageRef = Field(
        None, description="A stage of the pipeline, by id or name; defaults to its first open one."
    )
    amount: Decimal | None = Field(None, **_AMOUNT)
    currency: str = Field("EUR", min_length=3, max_length=3)
    expected_close_on: dt.date | None = None
    external_id: str = Field("", max_length=100)
    owner_id: int = Field(None, description="Defaults to you.")
    visibility: VisibilityIn = "team"


class DealPatch(VersionedPatch):
    """Stage and outcome change only through the move, close and reopen actions."""

    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN_DESCRIPTION)

    name: str = Field(None, max_length=200)
    account_id: int | None = Field(None)
    primary_contact_id: int | None = None
    amount: Decimal | None = Field(None, **_AMOUNT)
    currency: str = Field(None, min_length=3, max_length=3)
    expected_close_on: dt.date | None = None
    external_id: str = Field(None, max_length=100)
    owner_id: int = Field(None)
    visibility: VisibilityIn = Field(None)


NextStepState = Literal[tuple(state for state, _ in NEXT_STEP_CHOICES)]  # type: ignore[misc]


class DealOut(OwnedOut):
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_OUT_DESCRIPTION)
    name: str
    account_id: int | None = Field(description="Empty while the deal has no account yet.")
    account_name: str | None
    primary_contact_id: int | None
    lead_id: int | None
    pipeline_id: int
    stage_id: int
    stage_name: str = Field(alias="stage.name")
    amount: Decimal | None
    currency: str
    expected_close_on: dt.date | None
    outcome: str
    lost_reason_id: int | None
    closing_technique: str
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    closed_on: dt.date | None
    external_id: str
    next_activity_at: dt.datetime | None = Field(
        description="When the deal's earliest open activity is due (undated ones aside)."
    )
    open_activity_count: int = Field(description="The deal's activities not done yet.")
    next_step: NextStepState | None = Field(
        description="none: no open activity; overdue: the next one is past due; planned. "
        "Null for a closed deal."
    )
    version: int

    @staticmethod
    def resolve_account_name(deal: Any) -> str | None:
        return deal.account.name if deal.account_id else None

    @staticmethod
    def resolve_next_step(deal: Any) -> str | None:
        return deal_next_step_state(deal)


class DealList(Schema):
    items: list[DealOut]
    count: int


class DealQuery(TeamPeriodQuery):
    q: str | None = Field(None, description="Part of the deal's name.")
    closed_from: dt.date | None = Field(
        None, description="Closed (`closed_on`, the day the customer decided) on or after this day."
    )
    closed_to: dt.date | None = Field(
        None, description="Closed (`closed_on`) on or before this day."
    )
    industry: str | None = Field(
        None, max_length=100, description="The account's industry, any capitals."
    )
    pipeline_id: int | None = None
    stage_id: int | None = None
    outcome: OutcomeIn | None = None
    owner_id: int | None = None
    account_id: int | None = None
    next_step: NextStepState | None = Field(
        None, description="Open deals whose next step is none, overdue or planned."
    )


OVERRIDE = "A manager or admin moves on despite unmet exit criteria by saying why."


class MoveIn(InputSchema):
    stage: StageRef = Field(description="A stage of the deal's pipeline, by id or name.")
    lost_reason_id: int | None = Field(None, description="Required when moving into Lost.")
    override_reason: str = Field("", description=OVERRIDE)
    version: int | None = Field(
        None,
        description="The deal's `version` as you read it; a deal changed since answers 409. "
        "Send it or `from_stage`.",
    )
    from_stage: StageRef | None = Field(
        None,
        description="The stage (id or name) you saw the deal in; a deal moved since answers "
        "409. Send it or `version`.",
    )


MOVE_DESCRIPTION = (
    "Move the deal to another stage of its pipeline (into Won or Lost closes it). The move must "
    "say what it moves from: `version` (the deal's version as read) or `from_stage` (the stage "
    "the client saw it in), or both; neither answers 422 naming both fields. A deal changed "
    "(with `version`) or moved (with `from_stage`) since answers 409 and is left as it is, so "
    "of several moves sent from the same state exactly one applies."
)


class CloseIn(InputSchema):
    outcome: CloseOutcomeIn = Field(description="Upgraded is an upsell to an existing customer.")
    reason: int | None = Field(
        None, description="The lost reason's id (GET /lost-reasons); needed for lost, suspended."
    )
    lost_reason_id: int | None = Field(None, description="The same as `reason` (older name).")
    amount: Decimal | None = Field(None, **_AMOUNT)
    note: str = ""
    technique: TechniqueIn = Field("", description="How the rep asked for the order.")
    closed_on: dt.date | None = Field(None, description="The day the customer decided (today).")
    override_reason: str = Field("", description=OVERRIDE)
    version: int | None = None


class ReopenIn(InputSchema):
    stage: StageRef | None = Field(
        None, description="An open stage to resume in; by default where the deal was."
    )
    version: int | None = None


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    from_stage_name: str | None
    to_stage_id: int
    to_stage_name: str = Field(alias="to_stage.name")
    from_outcome: str
    to_outcome: str
    changed_at: dt.datetime
    changed_by_id: int | None
    is_backward: bool
    override_reason: str
    note: str
    is_estimated: bool = Field(
        description="No source gave this moment (an import without a date for it): "
        "`changed_at` is an estimate, shown as about."
    )

    @staticmethod
    def resolve_from_stage_name(change: Any) -> str | None:
        return change.from_stage.name if change.from_stage_id else None


class StageChangeList(Schema):
    items: list[StageChangeOut]
    count: int


def _stage(pipeline: Pipeline, value: StageRef) -> Stage:
    stage = stage_resolve(pipeline, value)
    if stage is None:
        raise ValidationError({"stage": f"Pipeline {pipeline.name!r} has no stage {value!r}."})
    return stage


@router.get(
    "/deals", response={200: DealList, **READ_ERRORS}, description=CUSTOM_FILTER_DESCRIPTION
)
def deal_list(request: HttpRequest, query: Query[DealQuery]) -> dict[str, Any]:
    deals = filtered(
        deals_filtered(request.auth, next_step=query.next_step or "", **team_period_filters(query)),
        name__icontains=query.q,
        pipeline_id=query.pipeline_id,
        stage_id=query.stage_id,
        outcome=query.outcome,
        owner_id=query.owner_id,
        account_id=query.account_id,
    )
    deals = custom_filtered(deals, request, "deal")
    return page(deals.order_by("-created_at", "-pk"), query)


@router.post("/deals", response={201: DealOut, **WRITE_ERRORS})
def deal_add(request: HttpRequest, payload: DealIn) -> Status[Any]:
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    if "stage" in data:
        data["stage"] = _stage(data.get("pipeline") or pipeline_default(), data["stage"])
    return Status(201, deal_create(acting_user=request.auth, **data))


@router.get("/deals/{deal_id}", response={200: DealOut, **READ_ERRORS})
def deal_detail(request: HttpRequest, deal_id: int) -> Any:
    return deal_get_for_user(request.auth, deal_id)


@router.patch("/deals/{deal_id}", response={200: DealOut, **WRITE_ERRORS})
def deal_change(request: HttpRequest, deal_id: int, payload: DealPatch) -> Any:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    data = links_resolve(payload.model_dump(exclude_unset=True), user=request.auth)
    version = data.pop("version", None)
    return deal_update(deal, acting_user=request.auth, expected_version=version, **data)


@router.delete("/deals/{deal_id}", response={204: None, **WRITE_ERRORS})
def deal_remove(request: HttpRequest, deal_id: int) -> Status[None]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    deal_delete(deal, acting_user=request.auth)
    return Status(204, None)


@router.post(
    "/deals/{deal_id}/move",
    response={200: DealOut, **WRITE_ERRORS},
    description=MOVE_DESCRIPTION,
)
def deal_move_to(request: HttpRequest, deal_id: int, payload: MoveIn) -> Any:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    if payload.version is None and payload.from_stage is None:
        said = "Send the deal's version or the stage you saw it in (from_stage)."
        raise ValidationError({"version": said, "from_stage": said})
    from_stage = None
    if payload.from_stage is not None:
        from_stage = stage_resolve(deal.pipeline, payload.from_stage)
        if from_stage is None:
            unknown = f"Pipeline {deal.pipeline.name!r} has no stage {payload.from_stage!r}."
            raise ValidationError({"from_stage": unknown})
    return deal_move(
        deal,
        to_stage=_stage(deal.pipeline, payload.stage),
        lost_reason=link_resolve("lost_reason_id", payload.lost_reason_id, user=request.auth),
        override_reason=payload.override_reason,
        expected_version=payload.version,
        from_stage=from_stage,
        acting_user=request.auth,
    )


def _close_reason(payload: CloseIn) -> LostReason | None:
    """The lost reason sent as `reason` (or its older name), named as the client sent it."""
    field = "lost_reason_id" if payload.reason is None and payload.lost_reason_id else "reason"
    pk = payload.reason if payload.reason is not None else payload.lost_reason_id
    if payload.reason is not None and payload.lost_reason_id not in (None, payload.reason):
        raise ValidationError({"reason": "Send the lost reason once, as `reason`."})
    if pk is None:
        if payload.outcome in NEEDS_REASON:
            raise ValidationError({"reason": f"Say why the deal is {payload.outcome}."})
        return None
    reason = lost_reasons_active().filter(pk=pk).first()
    if reason is None:
        raise ValidationError({field: f"There is no current lost reason with id {pk}."})
    return reason


@router.post("/deals/{deal_id}/close", response={200: DealOut, **WRITE_ERRORS})
def deal_close_as(request: HttpRequest, deal_id: int, payload: CloseIn) -> Any:
    """Won and upgraded move the deal to Won (a forward move: the exit criteria apply, with
    the same override as a move); lost and suspended need a `reason`."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    return deal_close(
        deal,
        outcome=payload.outcome,
        lost_reason=_close_reason(payload),
        amount=payload.amount,
        note=payload.note,
        technique=payload.technique,
        closed_on=payload.closed_on,
        override_reason=payload.override_reason,
        expected_version=payload.version,
        acting_user=request.auth,
    )


@router.post("/deals/{deal_id}/reopen", response={200: DealOut, **WRITE_ERRORS})
def deal_reopen_in(request: HttpRequest, deal_id: int, payload: ReopenIn | None = None) -> Any:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    payload = payload or ReopenIn()
    return deal_reopen(
        deal,
        to_stage=_stage(deal.pipeline, payload.stage) if payload.stage is not None else None,
        expected_version=payload.version,
        acting_user=request.auth,
    )


@router.get("/deals/{deal_id}/history", response={200: StageChangeList, **READ_ERRORS})
def deal_history(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    deal = deal_get_for_user(request.auth, deal_id)
    changes = list(
        deal.stage_changes.select_related("from_stage", "to_stage").order_by("changed_at", "pk")
    )
    return {"items": changes, "count": len(changes)}


class BlockerOut(Schema):
    code: str
    message: str
    stage: str = Field(description="The stage whose exit criterion is missing.")


class BlockersOut(Schema):
    """What a move to `to_stage` would be refused for; empty `missing` means it would pass."""

    deal_id: int
    from_stage_id: int
    to_stage_id: int
    to_stage_name: str
    missing: list[BlockerOut]
    can_override: bool = Field(description="Whether you may move on anyway, giving a reason.")


@router.get("/deals/{deal_id}/blockers", response={200: BlockersOut, **READ_ERRORS})
def deal_blockers(request: HttpRequest, deal_id: int, stage: StageRef | None = None) -> Any:
    """The exit criteria a move to `stage` (by id or name; default: the next stage) misses."""
    deal = deal_get_for_user(request.auth, deal_id)
    if stage is not None:
        to_stage = _stage(deal.pipeline, stage)
    else:
        later = stages_active(deal.pipeline).filter(position__gt=deal.stage.position)
        to_stage = later.exclude(kind=StageKind.LOST).first() or deal.stage
    missing = deal_move_blockers(deal, to_stage=to_stage)
    user = request.auth
    return {
        "deal_id": deal.pk,
        "from_stage_id": deal.stage_id,
        "to_stage_id": to_stage.pk,
        "to_stage_name": to_stage.name,
        "missing": missing,
        "can_override": bool(missing) and (user.is_admin or user.is_manager),
    }


class DealBantIn(InputSchema):
    """The whole BANT record: a field left out is cleared."""

    budget_amount: Decimal | None = Field(None, **_AMOUNT)
    budget_currency: str | None = Field(
        None, min_length=3, max_length=3, description="Defaults to the deal's currency."
    )
    is_budget_confirmed: bool = False
    is_decision_maker: bool | None = Field(
        None, description="Is the person we talk to the one who decides? null: not known yet."
    )
    decision_maker_name: str = Field("", max_length=200, description="Who decides, if not them.")
    need: str = ""
    pain_level: int | None = Field(None, ge=1, le=5, description="1 (nice to have) to 5 (urgent).")
    timeline_on: dt.date | None = Field(None, description="When they expect to buy.")
    read: BantRead | None = Field(None, description=READ_DESCRIPTION)


@router.get("/deals/{deal_id}/qualification", response={200: QualificationOut, **READ_ERRORS})
def deal_qualification(request: HttpRequest, deal_id: int) -> Any:
    """The deal's BANT answers (shared with the lead it came from); empty until recorded."""
    deal = deal_get_for_user(request.auth, deal_id)
    return deal.qualification or Qualification(budget_currency=deal.currency)


@router.put("/deals/{deal_id}/qualification", response={200: QualificationOut, **WRITE_ERRORS})
def deal_qualification_put(request: HttpRequest, deal_id: int, payload: DealBantIn) -> Any:
    """Replace the deal's BANT answers (a field left out is cleared). With `read`, only the
    fields changed since that read are written, and one someone else changed meanwhile is
    refused (409, nothing saved)."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    answers = payload.model_dump(exclude={"read"})
    answers["budget_currency"] = (answers["budget_currency"] or deal.currency).upper()
    read = payload.read.model_dump(exclude_unset=True) if payload.read is not None else None
    with transaction.atomic():
        stored = bant_stored(deal.qualification_id, currency=deal.currency)
        answers = bant_answers_as_read(stored, answers, read)
        bant = deal_qualification_record(deal, acting_user=request.auth, **answers)
    bant.refresh_from_db()  # decimals as stored
    return bant
