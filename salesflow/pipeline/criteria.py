"""Exit criteria: what must be true of a deal before it may leave a stage moving forward.

A stage's requirements are `StageRequirement` rows; each names a *kind* of check. The checks
live in a registry so that other apps add their own from `AppConfig.ready()`:

    from salesflow.pipeline.criteria import Missing, criterion_register

    def quote_sent(deal, requirement) -> list[Missing]:
        if deal.quotes.filter(sent_at__isnull=False).exists():
            return []
        return [Missing("quote_sent", "Send the customer a quote.")]

    criterion_register("quote_sent", "A quote has been sent", quote_sent)

A checker receives the deal and the requirement row (`params`, `label`, `stage`), only reads,
and returns what is missing: an empty list when the requirement is met. A requirement whose
kind no installed app registers reports itself as missing (it never passes silently).

Built in here: `field_filled`, `bant_recorded`, `decision_maker`. The playbooks app registers
`checklist`, `assessment_answered` and `no_open_objection`; the quotes app `quote_sent`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError

from salesflow.core.errors import DomainError
from salesflow.core.panels import page_config, page_memo_started
from salesflow.pipeline.models import (
    Deal,
    DealStakeholder,
    Stage,
    StageKind,
    StageRequirement,
    StakeholderRole,
)


@dataclass(frozen=True)
class Missing:
    """One unmet part of an exit criterion: a stable code and a sentence for the rep."""

    code: str
    message: str


Checker = Callable[[Deal, StageRequirement], list[Missing]]
ParamsCheck = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Criterion:
    kind: str
    label: str
    checker: Checker
    params_check: ParamsCheck | None = None


_REGISTRY: dict[str, Criterion] = {}
KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,49}")


def criterion_register(
    kind: str, label: str, checker: Checker, *, params_check: ParamsCheck | None = None
) -> Criterion:
    """Make a kind of exit criterion available; call from your AppConfig.ready().

    `params_check(params)` may raise ValidationError when an admin configures a requirement
    with parameters the checker cannot use. Registering the same checker twice is harmless;
    a different checker for a taken kind is a configuration error.
    """
    if not KIND_PATTERN.fullmatch(kind):
        raise ValueError(f"Criterion kind {kind!r} must be lower_snake_case, up to 50 characters.")
    existing = _REGISTRY.get(kind)
    if existing is not None and existing.checker is not checker:
        raise ValueError(f"The exit criterion {kind!r} is already registered by another checker.")
    criterion = Criterion(kind=kind, label=label, checker=checker, params_check=params_check)
    _REGISTRY[kind] = criterion
    return criterion


def criterion_unregister(kind: str) -> Criterion | None:
    """Remove a kind (tests that swap a checker); returns what was registered."""
    return _REGISTRY.pop(kind, None)


def criterion_get(kind: str) -> Criterion | None:
    return _REGISTRY.get(kind)


def criteria_registered() -> list[Criterion]:
    """Every available kind, for the admin page that edits a stage's requirements."""
    return sorted(_REGISTRY.values(), key=lambda criterion: criterion.label.lower())


def requirement_label(requirement: StageRequirement) -> str:
    criterion = _REGISTRY.get(requirement.kind)
    return requirement.label or (criterion.label if criterion else requirement.kind)


def requirement_params_check(kind: str, params: dict[str, Any]) -> None:
    """Refuse an unknown kind or parameters its checker cannot use (admin services call this)."""
    criterion = _REGISTRY.get(kind)
    if criterion is None:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValidationError({"kind": f"Unknown exit criterion {kind!r}. Available: {known}."})
    if not isinstance(params, dict):
        raise ValidationError({"params": "Parameters are a JSON object."})
    if criterion.params_check is not None:
        criterion.params_check(params)


def deal_missing_criteria(deal: Deal, *, leaving: Stage) -> list[Missing]:
    """Everything the deal still lacks to leave `leaving` forward; empty when it may."""
    missing: list[Missing] = []
    if leaving.pipeline_id == deal.pipeline_id:
        requirements = deal_stage_requirements(deal).get(leaving.pk, [])
    else:
        requirements = list(leaving.requirements.order_by("position", "pk"))
    for requirement in requirements:
        criterion = _REGISTRY.get(requirement.kind)
        if criterion is None:
            missing.append(
                Missing(
                    f"unavailable:{requirement.kind}",
                    f"“{requirement_label(requirement)}” cannot be checked: no installed app "
                    f"provides the check {requirement.kind!r}. Ask an admin.",
                )
            )
            continue
        missing.extend(criterion.checker(deal, requirement))
    return missing


def stages_passed(deal: Deal, *, to_stage: Stage) -> list[Stage]:
    """The stages a forward move leaves: the current one and any it skips. Empty otherwise.

    A move is forward when it goes from an open stage to a later open or won stage. Moving
    into a lost stage or backwards is never held up.
    """
    from_stage = deal.stage
    if (
        from_stage.kind != StageKind.OPEN
        or to_stage.kind == StageKind.LOST
        or to_stage.position <= from_stage.position
    ):
        return []
    return [
        stage
        for stage in deal_pipeline_stages(deal)
        if stage.archived_at is None
        and stage.kind == StageKind.OPEN
        and from_stage.position <= stage.position < to_stage.position
    ]


def deal_stage_requirements(deal: Deal) -> dict[int, list[StageRequirement]]:
    """The exit criteria of every stage of the deal's pipeline, by stage id, in order: on a deal
    page from the configuration cache (`page_config`)."""

    def read() -> dict[int, list[StageRequirement]]:
        by_stage: dict[int, list[StageRequirement]] = {}
        rows = StageRequirement.objects.filter(stage__pipeline_id=deal.pipeline_id)
        for requirement in rows.select_related("stage").order_by("position", "pk"):
            by_stage.setdefault(requirement.stage_id, []).append(requirement)
        return by_stage

    return page_config(deal, ("stage_requirements", deal.pipeline_id), read)


def deal_pipeline_stages(deal: Deal) -> list[Stage]:
    """Every stage of the deal's pipeline, removed ones too, in order: on a deal page from the
    configuration cache (`page_config`), where the progress bar, the next stage, the exit
    criteria and the move forms all need them."""
    pipeline_id = deal.pipeline_id
    return page_config(
        deal,
        ("pipeline_stages", pipeline_id),
        lambda: list(Stage.objects.filter(pipeline_id=pipeline_id).order_by("position", "pk")),
    )


def deal_move_blockers(deal: Deal, *, to_stage: Stage) -> list[dict[str, str]]:
    """What stops a move, as the DomainError would list it: `code`, `message`, `stage`.

    The board calls this before a drop; `deal_move` raises with the same list.
    """
    blockers = []
    for stage in stages_passed(deal, to_stage=to_stage):
        for item in deal_missing_criteria(deal, leaving=stage):
            blockers.append({"code": item.code, "message": item.message, "stage": stage.name})
    return blockers


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def blocked_move_text(deal: Deal, to_stage: Stage, blockers: list[dict[str, str]]) -> str:
    """Why a forward move is refused, in words that fit it: leaving the current stage, or
    skipping to a later one ("To skip to Presentation, the criteria of Needs assessment must
    be met.")."""
    stages = list(dict.fromkeys(item["stage"] for item in blockers))
    if stages == [deal.stage.name]:
        # Only the current stage holds it up: true whether or not the move skips stages.
        return f"This deal cannot leave {deal.stage.name} yet."
    criteria = "the criteria of" if len(stages) == 1 else "the criteria of the stages"
    goal = "To close as won" if to_stage.kind == StageKind.WON else f"To skip to {to_stage.name}"
    return f"{goal}, {criteria} {_names(stages)} must be met."


def exit_criteria_enforce(
    deal: Deal, *, to_stage: Stage, acting_user: Any, override_reason: str | None
) -> str:
    """Refuse a forward move that misses exit criteria, unless a manager or admin overrides.

    Returns the (stripped) override reason to record on the StageChange.
    """
    reason = (override_reason or "").strip()
    blockers = deal_move_blockers(deal, to_stage=to_stage)
    if not blockers:
        return reason
    if not reason:
        raise DomainError(blocked_move_text(deal, to_stage, blockers), missing=blockers)
    if not (getattr(acting_user, "is_admin", False) or getattr(acting_user, "is_manager", False)):
        raise DomainError(
            "Only a manager or an admin may move a deal on before its exit criteria are met.",
            missing=blockers,
        )
    return reason


# Built-in checks ---------------------------------------------------------------------------

FIELD_NAMES = {
    "account": "the account",
    "amount": "the amount",
    "expected_close_on": "the expected close date",
    "primary_contact": "the primary contact",
    "qualification": "the BANT qualification",
    "lead": "the lead",
}


def _field_check(params: dict[str, Any]) -> None:
    name = params.get("field")
    try:
        field = Deal._meta.get_field(name) if isinstance(name, str) else None
    except FieldDoesNotExist:
        field = None
    if field is None or not field.concrete or not field.editable or field.primary_key:
        raise ValidationError({"params": f"Name a field of the deal, e.g. {sorted(FIELD_NAMES)}."})


def field_filled(deal: Deal, requirement: StageRequirement) -> list[Missing]:
    name = requirement.params.get("field", "")
    field = Deal._meta.get_field(name)
    if getattr(deal, field.attname) not in (None, ""):
        return []
    label = FIELD_NAMES.get(name, f"the {field.verbose_name}")
    return [Missing(f"field_filled:{name}", f"Fill in {label}.")]


BANT_MESSAGES = {
    "budget": "BANT: record the budget.",
    "authority": "BANT: record who decides (authority).",
    "need": "BANT: record the need.",
    "timeline": "BANT: record the timeline.",
}


def bant_recorded(deal: Deal, requirement: StageRequirement) -> list[Missing]:
    qualification = deal.qualification
    gaps = list(BANT_MESSAGES) if qualification is None else qualification.missing
    return [Missing(f"bant_recorded:{gap}", BANT_MESSAGES[gap]) for gap in gaps]


def decision_maker(deal: Deal, requirement: StageRequirement) -> list[Missing]:
    if page_memo_started(deal):  # on the deal page: the stakeholders its panel shows anyway
        from salesflow.pipeline.selectors import deal_stakeholder_rows

        rows = deal_stakeholder_rows(deal)
        known = any(row.role == StakeholderRole.DECISION_MAKER for row in rows)
    else:
        known = DealStakeholder.objects.filter(
            deal=deal, role=StakeholderRole.DECISION_MAKER
        ).exists()
    if known:
        return []
    return [Missing("decision_maker", "Name the decision maker among the deal's stakeholders.")]


criterion_register("field_filled", "A field is filled in", field_filled, params_check=_field_check)
criterion_register("bant_recorded", "BANT is recorded", bant_recorded)
criterion_register("decision_maker", "A decision maker is known", decision_maker)
