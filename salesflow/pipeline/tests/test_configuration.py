"""Configurable pipelines: admins shape stages and exit criteria; deals follow."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.pipeline.models import Outcome, Pipeline, Stage, StageChange
from salesflow.pipeline.selectors import pipelines_with_stages, stage_resolve, stages_active
from salesflow.pipeline.services import (
    deal_close,
    deal_create,
    deal_move,
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
from tests.factories import AccountFactory, DealFactory, default_pipeline, lost_reason

pytestmark = pytest.mark.django_db


def names(pipeline: Pipeline) -> list[str]:
    return list(stages_active(pipeline).values_list("name", flat=True))


def test_a_three_step_pipeline_gets_won_and_lost_and_spread_probabilities(admin_user):
    pipeline = pipeline_create(
        name="Quick sale", stages=["Call", "Offer", "Signature"], acting_user=admin_user
    )
    stages = list(stages_active(pipeline))
    assert [s.name for s in stages] == ["Call", "Offer", "Signature", "Won", "Lost"]
    assert [s.position for s in stages] == [1, 2, 3, 4, 5]
    assert [s.probability for s in stages] == [25, 50, 75, 100, 0]
    assert [s.kind for s in stages] == ["open", "open", "open", "won", "lost"]


def test_a_deal_walks_a_three_step_pipeline_and_is_won(admin_user, rep):
    pipeline = pipeline_create(
        name="Quick sale", stages=["Call", "Offer", "Signature"], acting_user=admin_user
    )
    deal = deal_create(
        acting_user=rep, name="Small order", account=AccountFactory(owner=rep), pipeline=pipeline
    )
    for name in ["Offer", "Signature"]:
        deal_move(deal, to_stage=stage_resolve(pipeline, name), acting_user=rep)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert deal.stage.name == "Won" and deal.outcome == "won"
    path = [c.to_stage.name for c in deal.stage_changes.order_by("pk")]
    assert path == ["Call", "Offer", "Signature", "Won"]


def test_a_deal_walks_a_ten_step_pipeline_one_stage_at_a_time(admin_user, rep):
    steps = [f"Step {n}" for n in range(1, 11)]
    pipeline = pipeline_create(
        name="Enterprise",
        stages=[*steps, {"name": "Signed", "kind": "won"}, {"name": "Dropped", "kind": "lost"}],
        acting_user=admin_user,
    )
    assert names(pipeline) == [*steps, "Signed", "Dropped"]
    deal = DealFactory(owner=rep, pipeline=pipeline)
    for name in [*steps[1:], "Signed"]:
        deal_move(deal, to_stage=stage_resolve(pipeline, name), acting_user=rep)
    deal.refresh_from_db()
    assert deal.stage.name == "Signed" and deal.outcome == "won"
    assert deal.stage_changes.count() == 11
    assert not deal.stage_changes.filter(is_backward=True).exists()


def test_only_an_admin_may_configure_a_pipeline(manager, rep):
    stage = default_pipeline().stages.get(name="Closing")
    for user in (manager, rep):
        with pytest.raises(AccessDenied):
            pipeline_create(name="Mine", stages=["A"], acting_user=user)
        with pytest.raises(AccessDenied):
            stage_add(default_pipeline(), name="Extra", acting_user=user)
        with pytest.raises(AccessDenied):
            stage_update(stage, probability=90, acting_user=user)
        with pytest.raises(AccessDenied):
            stage_remove(stage, acting_user=user)
        with pytest.raises(AccessDenied):
            stage_requirement_add(stage, kind="bant_recorded", acting_user=user)
    assert not Pipeline.objects.filter(name="Mine").exists()


def test_a_pipeline_keeps_exactly_one_won_and_one_lost_stage(admin_user):
    with pytest.raises(ValidationError) as exc:
        pipeline_create(
            name="Two wins",
            stages=["Talk", {"name": "Won", "kind": "won"}, {"name": "Won big", "kind": "won"}],
            acting_user=admin_user,
        )
    assert "one won and one lost" in str(exc.value)
    pipeline = default_pipeline()
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.create(
            pipeline=pipeline, name="Also won", position=9, probability=100, kind="won"
        )


def test_a_pipeline_needs_an_open_stage_and_distinct_stage_names(admin_user):
    with pytest.raises(ValidationError):
        pipeline_create(name="Empty", stages=[], acting_user=admin_user)
    with pytest.raises(ValidationError) as exc:
        pipeline_create(name="Twice", stages=["Talk", "talk"], acting_user=admin_user)
    assert "differ" in str(exc.value)


def test_a_stage_added_in_the_middle_shifts_the_later_ones(admin_user):
    pipeline = pipeline_create(name="Short", stages=["Call", "Offer"], acting_user=admin_user)
    stage = stage_add(pipeline, name="Demo", position=2, acting_user=admin_user)
    assert names(pipeline) == ["Call", "Demo", "Offer", "Won", "Lost"]
    assert stage.probability == (33 + 67) // 2
    assert list(stages_active(pipeline).values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_a_stage_added_without_position_comes_before_won_and_lost(admin_user):
    stage_add(default_pipeline(), name="Contract review", acting_user=admin_user, guidance="Legal")
    assert names(default_pipeline())[-3:] == ["Contract review", "Won", "Lost"]


def test_stage_settings_change_and_bad_values_name_the_field(admin_user):
    stage = default_pipeline().stages.get(name="Closing")
    stage_update(
        stage, probability=90, rotting_days=7, guidance="Ask for the order", acting_user=admin_user
    )
    stage.refresh_from_db()
    assert (stage.probability, stage.rotting_days, stage.guidance) == (90, 7, "Ask for the order")
    with pytest.raises(ValidationError) as exc:
        stage_update(stage, probability=150, acting_user=admin_user)
    assert "probability" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        stage_update(stage, kind="won", acting_user=admin_user)
    assert "kind" in exc.value.message_dict


def test_rename_refuses_a_name_the_pipeline_already_has(admin_user):
    stage = default_pipeline().stages.get(name="Closing")
    stage_rename(stage, name="Negotiation", acting_user=admin_user)
    assert "Negotiation" in names(default_pipeline())
    with pytest.raises(ValidationError) as exc:
        stage_rename(stage, name="qualification", acting_user=admin_user)
    assert "name" in exc.value.message_dict


def test_reorder_takes_the_open_stages_and_keeps_won_and_lost_last(admin_user):
    pipeline = pipeline_create(name="Short", stages=["A", "B", "C"], acting_user=admin_user)
    ids = {s.name: s.pk for s in stages_active(pipeline)}
    stages_reorder(pipeline, [ids["C"], ids["A"], ids["B"]], acting_user=admin_user)
    assert names(pipeline) == ["C", "A", "B", "Won", "Lost"]
    stages_reorder(
        pipeline, [ids[n] for n in "ABC"] + [ids["Won"], ids["Lost"]], acting_user=admin_user
    )
    assert names(pipeline) == ["A", "B", "C", "Won", "Lost"]


def test_reorder_refuses_a_partial_list_or_won_before_an_open_stage(admin_user):
    pipeline = pipeline_create(name="Short", stages=["A", "B"], acting_user=admin_user)
    ids = {s.name: s.pk for s in stages_active(pipeline)}
    with pytest.raises(ValidationError):
        stages_reorder(pipeline, [ids["A"]], acting_user=admin_user)
    with pytest.raises(ValidationError):
        stages_reorder(
            pipeline, [ids["Won"], ids["A"], ids["B"], ids["Lost"]], acting_user=admin_user
        )
    assert names(pipeline) == ["A", "B", "Won", "Lost"]


def test_removing_a_stage_that_holds_deals_without_a_target_is_refused_with_the_count(
    admin_user, rep
):
    closing = default_pipeline().stages.get(name="Closing")
    DealFactory(owner=rep, stage=closing)
    DealFactory(owner=rep, stage=closing)
    with pytest.raises(DomainError) as exc:
        stage_remove(closing, acting_user=admin_user)
    assert (
        exc.value.message == "Stage 'Closing' still holds 2 deals; choose a stage to move them to."
    )
    assert exc.value.missing[0]["code"] == "stage_has_deals"
    assert "Closing" in names(default_pipeline())


def test_removing_a_stage_moves_its_deals_with_a_recorded_change_and_keeps_history(admin_user, rep):
    pipeline = default_pipeline()
    closing = pipeline.stages.get(name="Closing")
    proposal = pipeline.stages.get(name="Proposal and objections")
    open_deal = DealFactory(owner=rep, stage=closing)
    parked = DealFactory(owner=rep, stage=closing)
    deal_close(
        parked, outcome=Outcome.SUSPENDED, lost_reason=lost_reason("No budget"), acting_user=rep
    )

    moved = stage_remove(closing, move_deals_to=proposal, acting_user=admin_user)

    assert moved == 2
    for deal in (open_deal, parked):
        deal.refresh_from_db()
        assert deal.stage == proposal
        change = deal.stage_changes.order_by("pk").last()
        assert (change.from_stage, change.to_stage) == (closing, proposal)
        assert change.note == "Stage 'Closing' was removed." and change.changed_by == admin_user
        assert change.is_backward
    assert parked.outcome == "suspended" and parked.lost_reason.name == "No budget"
    closing.refresh_from_db()
    assert closing.is_archived  # deals passed through it: kept for their history
    assert names(pipeline) == [
        "Prospecting",
        "Qualification",
        "Needs assessment",
        "Presentation / demo",
        "Proposal and objections",
        "Won",
        "Lost",
    ]
    assert list(stages_active(pipeline).values_list("position", flat=True)) == list(range(1, 8))
    stage_add(pipeline, name="Closing", acting_user=admin_user)  # the name is free again


def test_a_removed_stage_is_neither_offered_nor_accepted(admin_user, rep):
    pipeline = default_pipeline()
    closing = pipeline.stages.get(name="Closing")
    deal = DealFactory(owner=rep, stage=closing)
    stage_remove(
        closing, move_deals_to=pipeline.stages.get(name="Prospecting"), acting_user=admin_user
    )
    assert stage_resolve(pipeline, "Closing") is None
    listed = pipelines_with_stages().get(pk=pipeline.pk).stages.all()
    assert closing not in list(listed)
    closing.refresh_from_db()
    deal.refresh_from_db()
    with pytest.raises(ValidationError):
        deal_move(deal, to_stage=closing, acting_user=rep)
    with pytest.raises(ValidationError):
        stage_remove(closing, acting_user=admin_user)


def test_a_stage_no_deal_ever_entered_is_deleted(admin_user):
    stage = stage_add(default_pipeline(), name="Unused", acting_user=admin_user)
    assert stage_remove(stage, acting_user=admin_user) == 0
    assert not Stage.objects.filter(pk=stage.pk).exists()


def test_won_lost_and_the_last_open_stage_cannot_be_removed(admin_user):
    pipeline = default_pipeline()
    for name in ("Won", "Lost"):
        with pytest.raises(DomainError) as exc:
            stage_remove(pipeline.stages.get(name=name), acting_user=admin_user)
        assert "one won and one lost" in exc.value.message
    tiny = pipeline_create(name="Tiny", stages=["Only"], acting_user=admin_user)
    with pytest.raises(DomainError) as exc:
        stage_remove(tiny.stages.get(name="Only"), acting_user=admin_user)
    assert exc.value.message == "A pipeline needs at least one open stage."


def test_deals_cannot_be_moved_into_a_stage_of_another_pipeline_on_removal(admin_user, rep):
    other = pipeline_create(name="Other", stages=["X"], acting_user=admin_user)
    closing = default_pipeline().stages.get(name="Closing")
    DealFactory(owner=rep, stage=closing)
    with pytest.raises(ValidationError) as exc:
        stage_remove(closing, move_deals_to=other.stages.get(name="X"), acting_user=admin_user)
    assert "move_deals_to" in exc.value.message_dict
    assert StageChange.objects.filter(to_stage=closing).count() == 1


def test_making_a_pipeline_the_default_unsets_the_old_one(admin_user):
    old = default_pipeline()
    new = pipeline_create(name="New way", stages=["Talk"], acting_user=admin_user)
    pipeline_update(new, is_default=True, acting_user=admin_user)
    old.refresh_from_db()
    assert Pipeline.objects.get(is_default=True) == new and not old.is_default
    with pytest.raises(ValidationError):
        pipeline_update(new, is_active=False, acting_user=admin_user)


def test_admin_edits_a_stage_s_exit_criteria(admin_user):
    stage = default_pipeline().stages.get(name="Closing")
    amount = stage_requirement_add(
        stage, kind="field_filled", params={"field": "amount"}, acting_user=admin_user
    )
    close_on = stage_requirement_add(
        stage, kind="field_filled", params={"field": "expected_close_on"}, acting_user=admin_user
    )
    stage_requirement_update(amount, label="Final amount agreed", acting_user=admin_user)
    stage_requirements_reorder(stage, [close_on.pk, amount.pk], acting_user=admin_user)
    rows = list(stage.requirements.order_by("position").values_list("kind", "params", "label"))
    assert rows == [
        ("field_filled", {"field": "expected_close_on"}, ""),
        ("field_filled", {"field": "amount"}, "Final amount agreed"),
    ]
    stage_requirement_remove(close_on, acting_user=admin_user)
    assert stage.requirements.count() == 1


def test_a_requirement_of_an_unknown_kind_or_with_bad_params_is_refused(admin_user):
    stage = default_pipeline().stages.get(name="Closing")
    with pytest.raises(ValidationError) as exc:
        stage_requirement_add(stage, kind="mind_reading", acting_user=admin_user)
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        stage_requirement_add(
            stage, kind="field_filled", params={"field": "shoe_size"}, acting_user=admin_user
        )
    assert "params" in exc.value.message_dict
    assert not stage.requirements.exists()
