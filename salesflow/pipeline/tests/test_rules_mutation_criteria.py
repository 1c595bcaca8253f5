"""Exit criteria, as `make mutation` found them untested (docs/testing.md): what another app
registers, the labels admins and the API show, the refusal texts of long skips and of closing as
won, a field left blank, and a decision maker of another deal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import DomainError
from salesflow.pipeline.criteria import (
    FIELD_NAMES,
    Missing,
    criteria_registered,
    criterion_get,
    criterion_register,
    criterion_unregister,
    deal_missing_criteria,
    requirement_label,
    requirement_params_check,
)
from salesflow.pipeline.models import Outcome, Pipeline, Stage, StageRequirement
from salesflow.pipeline.services import deal_close, deal_move
from salesflow.pipeline.tests.factories import StakeholderFactory
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db


def _nothing_missing(deal, requirement):
    return []


def _needs_a_region(params):
    if "region" not in params:
        raise ValidationError({"params": "Name the region."})


@pytest.fixture
def signed_check():
    """Another app's criterion with a parameter check, registered as its ready() would."""
    criterion = criterion_register(
        "contract_signed", "The contract is signed", _nothing_missing, params_check=_needs_a_region
    )
    yield criterion
    criterion_unregister("contract_signed")


def test_a_registered_criterion_is_offered_under_its_kind_and_checks_its_parameters(
    signed_check,
):
    assert signed_check.kind == "contract_signed"
    assert ("contract_signed", "The contract is signed") in [
        (c.kind, c.label) for c in criteria_registered()
    ]
    with pytest.raises(ValidationError) as exc:
        requirement_params_check("contract_signed", {})
    assert exc.value.message_dict == {"params": ["Name the region."]}
    requirement_params_check("contract_signed", {"region": "EMEA"})  # accepted


def test_an_unregistered_criterion_is_gone_and_unregistering_twice_is_harmless():
    criterion = criterion_register("contract_signed", "The contract is signed", _nothing_missing)
    assert criterion_unregister("contract_signed") == criterion
    assert criterion_get("contract_signed") is None
    assert "contract_signed" not in [c.kind for c in criteria_registered()]
    assert criterion_unregister("contract_signed") is None


def test_a_requirement_is_shown_with_its_own_label_else_its_check_s_else_its_kind():
    stage = stage_named("Closing")
    plain = StageRequirement.objects.create(stage=stage, kind="decision_maker")
    named = StageRequirement.objects.create(
        stage=stage, kind="decision_maker", label="Sponsor signed off"
    )
    unknown = StageRequirement.objects.create(stage=stage, kind="legal_review")
    assert requirement_label(plain) == "A decision maker is known"
    assert requirement_label(named) == "Sponsor signed off"
    assert requirement_label(unknown) == "legal_review"


def test_a_skip_over_three_stages_names_each_of_them(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    with pytest.raises(DomainError) as exc:
        deal_move(deal, to_stage=stage_named("Proposal and objections"), acting_user=rep)
    assert exc.value.message == (
        "To skip to Proposal and objections, the criteria of the stages Qualification, "
        "Needs assessment and Presentation / demo must be met."
    )


def test_closing_as_won_from_an_early_stage_says_what_closing_needs(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    with pytest.raises(DomainError) as exc:
        deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert exc.value.message == (
        "To close as won, the criteria of the stages Qualification, Needs assessment, "
        "Presentation / demo and Proposal and objections must be met."
    )
    deal.refresh_from_db()
    assert deal.outcome == "open" and deal.stage.name == "Qualification"


def test_a_blank_text_field_is_missing_and_is_named_by_its_label(rep):
    stage = stage_named("Closing")
    StageRequirement.objects.create(
        stage=stage, kind="field_filled", params={"field": "closing_technique"}
    )
    StageRequirement.objects.create(
        stage=stage, kind="field_filled", params={"field": "expected_close_on"}, position=2
    )
    deal = DealFactory(owner=rep, stage=stage, closing_technique="", expected_close_on=None)
    assert deal_missing_criteria(deal, leaving=stage) == [
        Missing("field_filled:closing_technique", "Fill in the closing technique."),
        Missing("field_filled:expected_close_on", "Fill in the expected close date."),
    ]
    deal.closing_technique = "Summary close"
    assert [m.code for m in deal_missing_criteria(deal, leaving=stage)] == [
        "field_filled:expected_close_on"
    ]


def test_a_decision_maker_of_another_deal_does_not_count(rep):
    stage = stage_named("Presentation / demo")
    deal = DealFactory(owner=rep, stage=stage)
    StakeholderFactory(deal=DealFactory(owner=rep, stage=stage))  # someone else's deal
    missing = [m for m in deal_missing_criteria(deal, leaving=stage) if m.code == "decision_maker"]
    assert missing == [
        Missing("decision_maker", "Name the decision maker among the deal's stakeholders.")
    ]
    StakeholderFactory(deal=deal)
    assert "decision_maker" not in [m.code for m in deal_missing_criteria(deal, leaving=stage)]


def test_every_missing_requirement_is_listed_in_the_order_admins_gave_it(rep):
    closing = stage_named("Closing")
    StageRequirement.objects.create(stage=closing, kind="legal_review", position=2)
    StageRequirement.objects.create(stage=closing, kind="credit_check", position=1)
    StageRequirement.objects.create(stage=closing, kind="board_sign_off", position=2)
    deal = DealFactory(owner=rep, stage=closing)
    assert [m.code for m in deal_missing_criteria(deal, leaving=closing)] == [
        "unavailable:credit_check", "unavailable:legal_review", "unavailable:board_sign_off"
    ]  # fmt: skip


def test_stages_count_in_their_position_order_whatever_order_they_were_made_in(rep):
    pipeline = Pipeline.objects.create(name="Upsell")
    proposal = Stage.objects.create(pipeline=pipeline, name="Proposal", position=3, probability=30)
    demo = Stage.objects.create(pipeline=pipeline, name="Demo", position=2, probability=20)
    discovery = Stage.objects.create(
        pipeline=pipeline, name="Discovery", position=1, probability=10
    )
    for stage in (discovery, demo):
        StageRequirement.objects.create(stage=stage, kind="legal_review", position=2)
        StageRequirement.objects.create(stage=stage, kind="credit_check", position=1)
    deal = DealFactory(owner=rep, pipeline=pipeline, stage=discovery)

    with pytest.raises(DomainError) as exc:
        deal_move(deal, to_stage=proposal, acting_user=rep)

    assert exc.value.message == (
        "To skip to Proposal, the criteria of the stages Discovery and Demo must be met."
    )
    assert [(m["stage"], m["code"]) for m in exc.value.missing] == [
        ("Discovery", "unavailable:credit_check"), ("Discovery", "unavailable:legal_review"),
        ("Demo", "unavailable:credit_check"), ("Demo", "unavailable:legal_review"),
    ]  # fmt: skip
    # What a stage of another pipeline asks is read from that stage, in the same order.
    other = DealFactory(owner=rep, stage=stage_named("Closing"))
    assert [m.code for m in deal_missing_criteria(other, leaving=demo)] == [
        "unavailable:credit_check", "unavailable:legal_review"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "params", [{}, {"field": 5}, {"field": "nope"}, {"field": "id"}, {"field": "created_at"},
               {"field": "stage_changes"}],
)  # fmt: skip
def test_a_field_criterion_must_name_an_editable_field_of_the_deal(params):
    with pytest.raises(ValidationError) as exc:
        requirement_params_check("field_filled", params)
    assert exc.value.message_dict == {
        "params": [f"Name a field of the deal, e.g. {sorted(FIELD_NAMES)}."]
    }


def test_a_field_criterion_naming_a_field_is_accepted():
    requirement_params_check("field_filled", {"field": "amount"})
    requirement_params_check("decision_maker", {})


def test_an_unknown_kind_or_parameters_that_are_not_an_object_are_refused_by_name():
    with pytest.raises(ValidationError) as exc:
        requirement_params_check("legal_review", {})
    known = ", ".join(sorted(c.kind for c in criteria_registered()))
    assert exc.value.message_dict == {
        "kind": [f"Unknown exit criterion 'legal_review'. Available: {known}."]
    }
    with pytest.raises(ValidationError) as exc:
        requirement_params_check("decision_maker", ["field"])
    assert exc.value.message_dict == {"params": ["Parameters are a JSON object."]}
