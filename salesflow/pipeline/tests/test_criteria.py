"""Exit criteria: forward moves are held up until the stage's requirements are met."""

from __future__ import annotations

import datetime as dt

import pytest

from salesflow.core.errors import ConflictError, DomainError
from salesflow.pipeline.criteria import (
    Missing,
    criteria_registered,
    criterion_get,
    criterion_register,
    criterion_unregister,
    deal_missing_criteria,
)
from salesflow.pipeline.models import Outcome, StageRequirement
from salesflow.pipeline.selectors import deal_move_blockers
from salesflow.pipeline.services import (
    deal_close,
    deal_move,
    deal_qualification_record,
    deal_update,
)
from salesflow.pipeline.tests.factories import StakeholderFactory
from tests.factories import DealFactory, default_pipeline, lost_reason, stage_named

pytestmark = pytest.mark.django_db

BANT_GAPS = [
    {"code": "bant_recorded:budget", "message": "BANT: record the budget.",
     "stage": "Qualification"},
    {"code": "bant_recorded:authority", "message": "BANT: record who decides (authority).",
     "stage": "Qualification"},
    {"code": "bant_recorded:need", "message": "BANT: record the need.", "stage": "Qualification"},
    {"code": "bant_recorded:timeline", "message": "BANT: record the timeline.",
     "stage": "Qualification"},
]  # fmt: skip


def bant_complete(deal, user):
    return deal_qualification_record(
        deal,
        acting_user=user,
        budget_amount=50000,
        is_decision_maker=True,
        need="Replace spreadsheets",
        timeline_on=dt.date(2027, 3, 1),
    )


@pytest.fixture
def in_qualification(rep):
    return DealFactory(owner=rep, stage=stage_named("Qualification"))


def test_the_default_process_has_its_exit_criteria_seeded():
    rows = StageRequirement.objects.filter(stage__pipeline=default_pipeline()).order_by(
        "stage__position", "position"
    )
    assert [(r.stage.name, r.kind) for r in rows] == [
        ("Qualification", "bant_recorded"),
        ("Qualification", "field_filled"),
        ("Needs assessment", "assessment_answered"),
        ("Presentation / demo", "decision_maker"),
        ("Presentation / demo", "checklist"),
        ("Proposal and objections", "quote_sent"),
        ("Proposal and objections", "no_open_objection"),
    ]


def test_leaving_qualification_without_bant_is_refused_listing_every_gap(rep, in_qualification):
    with pytest.raises(DomainError) as exc:
        deal_move(in_qualification, to_stage=stage_named("Needs assessment"), acting_user=rep)
    assert exc.value.message == "This deal cannot leave Qualification yet."
    assert exc.value.missing == BANT_GAPS
    in_qualification.refresh_from_db()
    assert in_qualification.stage.name == "Qualification" and in_qualification.version == 1
    assert in_qualification.stage_changes.count() == 1


def test_only_the_letters_still_missing_are_listed(rep, in_qualification):
    deal_qualification_record(in_qualification, acting_user=rep, budget_amount=10, need="CRM")
    with pytest.raises(DomainError) as exc:
        deal_move(in_qualification, to_stage=stage_named("Needs assessment"), acting_user=rep)
    assert [m["code"] for m in exc.value.missing] == [
        "bant_recorded:authority",
        "bant_recorded:timeline",
    ]


def test_with_bant_recorded_the_deal_moves_on(rep, in_qualification):
    bant_complete(in_qualification, rep)
    deal_move(in_qualification, to_stage=stage_named("Needs assessment"), acting_user=rep)
    change = in_qualification.stage_changes.order_by("pk").last()
    assert change.to_stage.name == "Needs assessment" and change.override_reason == ""


def test_skipping_stages_needs_the_criteria_of_every_stage_left(rep):
    deal = DealFactory(owner=rep)  # Prospecting: nothing to meet there
    deal_move(deal, to_stage=stage_named("Qualification"), acting_user=rep)
    with pytest.raises(DomainError) as exc:
        deal_move(deal, to_stage=stage_named("Presentation / demo"), acting_user=rep)
    stages = [m["stage"] for m in exc.value.missing]
    assert stages[:4] == ["Qualification"] * 4
    assert set(stages[4:]) == {"Needs assessment"}


def test_backward_moves_are_never_held_up_and_are_recorded(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    deal_move(deal, to_stage=stage_named("Qualification"), acting_user=rep)
    change = deal.stage_changes.order_by("pk").last()
    assert change.is_backward and change.changed_by == rep
    assert deal.stage.name == "Qualification"


def test_moving_into_lost_is_never_held_up(rep, in_qualification):
    deal_move(
        in_qualification,
        to_stage=stage_named("Lost"),
        lost_reason=lost_reason("No budget"),
        acting_user=rep,
    )
    assert in_qualification.outcome == "lost"


def test_a_manager_may_move_on_with_a_reason_recorded_on_the_stage_change(
    manager, in_qualification
):
    deal_move(
        in_qualification,
        to_stage=stage_named("Needs assessment"),
        override_reason="  Budget confirmed by phone; BANT form follows  ",
        acting_user=manager,
    )
    change = in_qualification.stage_changes.order_by("pk").last()
    assert change.to_stage.name == "Needs assessment"
    assert change.override_reason == "Budget confirmed by phone; BANT form follows"
    assert change.changed_by == manager


def test_an_admin_may_override_too(admin_user, in_qualification):
    deal_move(
        in_qualification,
        to_stage=stage_named("Needs assessment"),
        override_reason="Known customer",
        acting_user=admin_user,
    )
    assert in_qualification.stage.name == "Needs assessment"


def test_a_rep_s_override_is_refused(rep, in_qualification):
    with pytest.raises(DomainError) as exc:
        deal_move(
            in_qualification,
            to_stage=stage_named("Needs assessment"),
            override_reason="Trust me",
            acting_user=rep,
        )
    assert exc.value.message.startswith("Only a manager or an admin may move a deal on")
    assert exc.value.missing == BANT_GAPS
    in_qualification.refresh_from_db()
    assert in_qualification.stage.name == "Qualification"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_empty_override_reason_is_refused(manager, in_qualification, reason):
    with pytest.raises(DomainError) as exc:
        deal_move(
            in_qualification,
            to_stage=stage_named("Needs assessment"),
            override_reason=reason,
            acting_user=manager,
        )
    assert exc.value.message == "This deal cannot leave Qualification yet."


def test_a_reason_on_a_move_that_needs_no_override_is_kept_as_said(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))
    deal_move(
        deal, to_stage=stage_named("Qualification"), override_reason="Budget cut", acting_user=rep
    )
    assert deal.stage_changes.order_by("pk").last().override_reason == "Budget cut"


def test_closing_as_won_meets_the_criteria_of_the_stages_it_leaves(rep, manager):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    with pytest.raises(DomainError) as exc:
        deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert exc.value.missing[:4] == BANT_GAPS
    deal.refresh_from_db()
    deal_close(
        deal, outcome=Outcome.WON, override_reason="Signed at the trade fair", acting_user=manager
    )
    assert deal.outcome == "won"
    assert deal.stage_changes.order_by("pk").last().override_reason == "Signed at the trade fair"


def test_lost_and_suspended_closes_are_never_held_up(rep, in_qualification):
    deal_close(
        in_qualification,
        outcome=Outcome.SUSPENDED,
        lost_reason=lost_reason("No budget"),
        acting_user=rep,
    )
    assert in_qualification.outcome == "suspended"


def test_a_stale_version_is_a_conflict_before_any_criterion(rep, in_qualification):
    deal_update(in_qualification, amount=5, acting_user=rep)
    with pytest.raises(ConflictError):
        deal_move(
            in_qualification,
            to_stage=stage_named("Needs assessment"),
            acting_user=rep,
            expected_version=1,
        )


def test_blockers_show_before_a_drop_what_the_move_would_report(rep, in_qualification):
    target = stage_named("Needs assessment")
    assert deal_move_blockers(in_qualification, to_stage=target) == BANT_GAPS
    assert deal_move_blockers(in_qualification, to_stage=stage_named("Prospecting")) == []


def test_field_filled_names_the_empty_field(rep, admin_user):
    stage = stage_named("Closing")
    StageRequirement.objects.create(stage=stage, kind="field_filled", params={"field": "amount"})
    StageRequirement.objects.create(
        stage=stage, kind="field_filled", params={"field": "primary_contact"}, position=2
    )
    deal = DealFactory(owner=rep, stage=stage, amount=None)
    assert deal_missing_criteria(deal, leaving=stage) == [
        Missing("field_filled:amount", "Fill in the amount."),
        Missing("field_filled:primary_contact", "Fill in the primary contact."),
    ]
    deal_update(deal, amount=100, acting_user=rep)
    assert [m.code for m in deal_missing_criteria(deal, leaving=stage)] == [
        "field_filled:primary_contact"
    ]


def test_decision_maker_criterion_needs_a_decision_maker_stakeholder(rep):
    stage = stage_named("Presentation / demo")
    deal = DealFactory(owner=rep, stage=stage)
    codes = [m.code for m in deal_missing_criteria(deal, leaving=stage)]
    assert "decision_maker" in codes
    StakeholderFactory(deal=deal, role="influencer")
    assert "decision_maker" in [m.code for m in deal_missing_criteria(deal, leaving=stage)]
    StakeholderFactory(deal=deal, role="decision_maker")
    assert "decision_maker" not in [m.code for m in deal_missing_criteria(deal, leaving=stage)]


def test_a_requirement_of_a_kind_no_app_provides_reports_itself_missing(rep):
    stage = stage_named("Closing")
    StageRequirement.objects.create(stage=stage, kind="contract_signed", label="Contract signed")
    deal = DealFactory(owner=rep, stage=stage)
    with pytest.raises(DomainError) as exc:
        deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert exc.value.missing == [
        {
            "code": "unavailable:contract_signed",
            "message": "“Contract signed” cannot be checked: no installed app provides the "
            "check 'contract_signed'. Ask an admin.",
            "stage": "Closing",
        }
    ]


@pytest.fixture
def contract_check():
    """Another app's criterion, registered as its AppConfig.ready() would."""
    signed: set[int] = set()

    def contract_signed(deal, requirement):
        if deal.pk in signed:
            return []
        return [Missing("contract_signed", "Upload the signed contract.")]

    criterion_register("contract_signed", "The contract is signed", contract_signed)
    yield signed
    criterion_unregister("contract_signed")


def test_another_app_registers_a_criterion_that_requirements_then_use(rep, contract_check):
    stage = stage_named("Closing")
    StageRequirement.objects.create(stage=stage, kind="contract_signed")
    deal = DealFactory(owner=rep, stage=stage)
    assert deal_missing_criteria(deal, leaving=stage) == [
        Missing("contract_signed", "Upload the signed contract.")
    ]
    assert "The contract is signed" in [c.label for c in criteria_registered()]
    contract_check.add(deal.pk)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert deal.outcome == "won"


def test_registering_the_same_checker_again_is_harmless_but_a_rival_is_refused(contract_check):
    criterion = criterion_get("contract_signed")
    criterion_register("contract_signed", "The contract is signed", criterion.checker)
    with pytest.raises(ValueError, match="already registered"):
        criterion_register("contract_signed", "Other", lambda deal, requirement: [])
    with pytest.raises(ValueError, match="lower_snake_case"):
        criterion_register("Contract Signed", "Bad", criterion.checker)
