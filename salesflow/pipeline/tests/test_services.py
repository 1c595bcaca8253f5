from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import AccessDenied, ConflictError
from salesflow.pipeline.models import Outcome, Pipeline, Stage, StageChange
from salesflow.pipeline.services import deal_close, deal_create, deal_move, deal_reopen, deal_update
from salesflow.pipeline.tests.factories import ungated_deal
from tests.factories import AccountFactory, DealFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db


def test_default_pipeline_has_the_seven_step_process():
    pipeline = Pipeline.objects.get(is_default=True)
    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names == [
        "Prospecting",
        "Qualification",
        "Needs assessment",
        "Presentation / demo",
        "Proposal and objections",
        "Closing",
        "Won",
        "Lost",
    ]
    assert pipeline.stages.get(name="Won").kind == "won"


def test_new_deal_starts_in_first_stage_with_a_history_row(rep):
    deal = deal_create(acting_user=rep, name="Fleet renewal", account=AccountFactory(owner=rep))
    assert deal.stage.name == "Prospecting"
    assert deal.owner == rep and deal.team == rep.teams.first()
    change = StageChange.objects.get(deal=deal)
    assert change.from_stage is None and change.to_stage == deal.stage


def test_move_records_who_when_and_direction(rep):
    # A pipeline without exit criteria: skipping Qualification here needs no BANT.
    deal = ungated_deal(owner=rep)
    deal_move(deal, to_stage=stage_named("Needs assessment", deal.pipeline), acting_user=rep)
    deal_move(deal, to_stage=stage_named("Qualification", deal.pipeline), acting_user=rep)
    changes = list(deal.stage_changes.order_by("pk"))
    assert [c.to_stage.name for c in changes] == [
        "Prospecting",
        "Needs assessment",
        "Qualification",
    ]
    assert [c.is_backward for c in changes[1:]] == [False, True]
    assert changes[-1].changed_by == rep
    deal.refresh_from_db()
    assert deal.version == 3


def test_move_to_a_stage_of_another_pipeline_is_refused(rep):
    other = Pipeline.objects.create(name="Upsell")
    foreign_stage = Stage.objects.create(pipeline=other, name="Talk", position=1, probability=10)
    deal = DealFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        deal_move(deal, to_stage=foreign_stage, acting_user=rep)
    assert "stage" in exc.value.message_dict
    assert deal.stage_changes.count() == 1


def test_losing_needs_a_reason_and_sets_closed_at(rep):
    deal = DealFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        deal_close(deal, outcome=Outcome.LOST, acting_user=rep)
    assert "lost_reason" in exc.value.message_dict
    deal_close(deal, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())
    deal.refresh_from_db()
    assert deal.outcome == "lost" and deal.stage.name == "Lost" and deal.closed_at is not None


def test_suspend_keeps_the_stage_and_reopen_resumes_it(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))
    deal_close(
        deal, outcome=Outcome.SUSPENDED, acting_user=rep, lost_reason=lost_reason("No budget")
    )
    assert deal.stage.name == "Closing" and deal.outcome == "suspended"
    deal_reopen(deal, acting_user=rep)
    deal.refresh_from_db()
    assert deal.outcome == "open" and deal.closed_at is None and deal.lost_reason is None
    assert [c.to_outcome for c in deal.stage_changes.order_by("pk")][-2:] == ["suspended", "open"]


def test_won_deal_reopens_into_last_open_stage(rep):
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    deal_reopen(deal, acting_user=rep)
    assert deal.stage.name == "Closing"


def test_stale_version_is_refused_and_nothing_changes(rep):
    deal = DealFactory(owner=rep, amount=100)
    deal_update(deal, acting_user=rep, amount=200, expected_version=1)
    with pytest.raises(ConflictError):
        deal_update(deal, acting_user=rep, amount=300, expected_version=1)
    deal.refresh_from_db()
    assert deal.amount == 200


def test_teammates_reading_the_same_version_cannot_both_move(rep, teammate):
    deal = ungated_deal(owner=rep)
    copy_a = type(deal).objects.get(pk=deal.pk)
    copy_b = type(deal).objects.get(pk=deal.pk)
    deal_move(copy_a, to_stage=stage_named("Qualification", deal.pipeline), acting_user=rep)
    with pytest.raises(ConflictError):
        deal_move(
            copy_b, to_stage=stage_named("Needs assessment", deal.pipeline), acting_user=teammate
        )
    assert deal.stage_changes.count() == 2


def test_reader_without_write_access_cannot_move(rep, outsider):
    deal = DealFactory(owner=outsider, visibility="everyone")
    with pytest.raises(AccessDenied):
        deal_move(deal, to_stage=stage_named("Qualification"), acting_user=rep)


def test_negative_amount_is_refused_naming_the_field(rep):
    deal = DealFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        deal_update(deal, acting_user=rep, amount=-5)
    assert "amount" in exc.value.message_dict
