"""Closing: won, upgraded, lost, suspended; the hand-over to delivery and the won hooks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.pipeline import closing
from salesflow.pipeline.closing import HANDOVER_SUBJECT, deal_won_hook_register
from salesflow.pipeline.models import ClosingTechnique, Outcome
from salesflow.pipeline.services import deal_close, deal_move, deal_reopen, pipeline_update
from salesflow.pipeline.tests.factories import ungated_deal
from tests.factories import DealFactory, TeamFactory, UserFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def won_hook():
    calls = []

    def remember(deal, *, acting_user):
        calls.append((deal.pk, deal.outcome, acting_user))

    deal_won_hook_register(remember)
    yield calls
    closing.deal_won_hooks.remove(remember)


def handover_tasks(deal):
    return Activity.objects.filter(deal=deal, subject=HANDOVER_SUBJECT)


def test_winning_hands_over_to_delivery_with_a_task_for_the_owner(rep, teammate):
    deal = ungated_deal(owner=rep, amount=12000)
    at = timezone.now()
    deal_close(deal, outcome=Outcome.WON, acting_user=teammate, at=at)
    task = handover_tasks(deal).get()
    assert (task.type, task.owner, task.team) == ("task", rep, rep.teams.first())
    assert task.account == deal.account and task.done_at is None
    assert task.due_at == at + dt.timedelta(days=1)
    assert "12000" in task.body


def test_the_hand_over_goes_to_the_configured_delivery_person(admin_user, rep):
    delivery = UserFactory(username="delivery", team=TeamFactory(name="Delivery"))
    deal = ungated_deal(owner=rep)
    pipeline_update(deal.pipeline, handover_owner=delivery, acting_user=admin_user)
    deal.refresh_from_db()
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    task = handover_tasks(deal).get()
    assert task.owner == delivery and task.team.name == "Delivery"


def test_the_hand_over_goes_to_a_delivery_team_queue(admin_user, rep):
    team = TeamFactory(name="Delivery")
    deal = ungated_deal(owner=rep)
    pipeline_update(deal.pipeline, handover_team=team, acting_user=admin_user)
    deal.refresh_from_db()
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    task = handover_tasks(deal).get()
    assert task.owner is None and task.team == team


def test_moving_a_deal_into_won_hands_over_too_and_runs_the_hooks(rep, won_hook):
    deal = ungated_deal(owner=rep)
    deal_move(deal, to_stage=deal.pipeline.stages.get(kind="won"), acting_user=rep)
    assert handover_tasks(deal).count() == 1
    assert won_hook == [(deal.pk, "won", rep)]


def test_won_hooks_run_once_per_win_after_the_hand_over(rep, won_hook):
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    deal_close(deal, outcome=Outcome.LOST, lost_reason=lost_reason(), acting_user=rep)
    assert won_hook == [(deal.pk, "won", rep)]
    assert handover_tasks(deal).count() == 1


def test_a_failing_won_hook_rolls_the_close_back(rep):
    def broken(deal, *, acting_user):
        raise RuntimeError("CRM webhook misconfigured")

    deal_won_hook_register(broken)
    deal = ungated_deal(owner=rep)
    try:
        with pytest.raises(RuntimeError):
            deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    finally:
        closing.deal_won_hooks.remove(broken)
    deal.refresh_from_db()
    assert deal.outcome == "open" and deal.stage_changes.count() == 1
    assert not handover_tasks(deal).exists()


def test_a_hook_sends_outside_the_database_only_after_commit(
    rep, django_capture_on_commit_callbacks
):
    sent = []

    def notify(deal, *, acting_user):
        transaction.on_commit(lambda: sent.append(deal.pk))

    deal_won_hook_register(notify)
    try:
        deal = ungated_deal(owner=rep)
        with django_capture_on_commit_callbacks(execute=True):
            deal_close(deal, outcome=Outcome.WON, acting_user=rep)
            assert sent == []
    finally:
        closing.deal_won_hooks.remove(notify)
    assert sent == [deal.pk]


def test_an_upgrade_needs_an_account_that_already_bought(rep):
    first = ungated_deal(owner=rep)
    upsell = ungated_deal(owner=rep, account=first.account)
    with pytest.raises(ValidationError) as exc:
        deal_close(upsell, outcome=Outcome.UPGRADED, acting_user=rep)
    assert "outcome" in exc.value.message_dict
    assert "has no won deal yet" in exc.value.message_dict["outcome"][0]
    deal_close(first, outcome=Outcome.WON, acting_user=rep)
    upsell.refresh_from_db()
    deal_close(upsell, outcome=Outcome.UPGRADED, acting_user=rep)
    assert (upsell.outcome, upsell.stage.kind, upsell.is_won) == ("upgraded", "won", True)
    assert upsell.lost_reason is None
    assert handover_tasks(upsell).count() == 1


def test_lost_and_suspended_need_a_reason_upgraded_and_won_do_not(rep):
    deal = ungated_deal(owner=rep)
    for outcome in (Outcome.LOST, Outcome.SUSPENDED):
        with pytest.raises(ValidationError) as exc:
            deal_close(deal, outcome=outcome, acting_user=rep)
        assert "lost_reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        deal_close(deal, outcome="open", acting_user=rep)
    assert "outcome" in exc.value.message_dict


def test_a_close_records_technique_close_date_and_final_amount(rep):
    deal = ungated_deal(owner=rep, amount=1000)
    signed_on = timezone.localdate() - dt.timedelta(days=3)
    deal_close(
        deal,
        outcome=Outcome.WON,
        technique=ClosingTechnique.ASSUMPTIVE,
        closed_on=signed_on,
        amount=Decimal("1250.00"),
        acting_user=rep,
    )
    deal.refresh_from_db()
    assert deal.closing_technique == "assumptive" and deal.closed_on == signed_on
    assert deal.amount == Decimal("1250.00") and deal.closed_at is not None


def test_a_close_without_a_date_closes_today(rep):
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.LOST, lost_reason=lost_reason(), acting_user=rep)
    assert deal.closed_on == timezone.localdate()


def test_an_unknown_technique_or_a_future_close_date_is_refused_naming_the_field(rep):
    deal = ungated_deal(owner=rep)
    with pytest.raises(ValidationError) as exc:
        deal_close(deal, outcome=Outcome.WON, technique="begging", acting_user=rep)
    assert "technique" in exc.value.message_dict
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        deal_close(deal, outcome=Outcome.WON, closed_on=tomorrow, acting_user=rep)
    assert "closed_on" in exc.value.message_dict
    deal.refresh_from_db()
    assert deal.outcome == "open"


def test_reopening_clears_the_close_and_is_a_recorded_stage_change(rep):
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.WON, technique="direct", acting_user=rep)
    deal_reopen(deal, acting_user=rep)
    deal.refresh_from_db()
    assert (deal.outcome, deal.closed_on, deal.closing_technique) == ("open", None, "")
    change = deal.stage_changes.order_by("pk").last()
    assert (change.from_outcome, change.to_outcome, change.note) == ("won", "open", "Reopened")
    assert change.is_backward


def test_a_suspended_deal_resumes_where_it_stopped(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))
    deal_close(
        deal,
        outcome=Outcome.SUSPENDED,
        lost_reason=lost_reason("No budget"),
        technique="pressure",
        acting_user=rep,
    )
    assert deal.closing_technique == "pressure"
    deal_reopen(deal, acting_user=rep)
    assert deal.stage.name == "Closing" and deal.outcome == "open"
