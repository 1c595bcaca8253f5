"""Warnings on a deal: no decision maker before a presentation, rotting in a stage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.pipeline.models import Deal, Outcome
from salesflow.pipeline.selectors import (
    deal_warnings,
    deals_annotate_decision_maker,
    deals_warnings,
)
from salesflow.pipeline.services import deal_close
from salesflow.pipeline.tests.factories import StakeholderFactory
from tests.factories import ActivityFactory, DealFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db


def codes(deal, **kwargs):
    return [warning.code for warning in deal_warnings(deal, **kwargs)]


@pytest.mark.parametrize("stage", ["Presentation / demo", "Proposal and objections"])
def test_a_deal_in_presentation_or_proposal_without_decision_maker_warns(rep, stage):
    deal = DealFactory(owner=rep, stage=stage_named(stage))
    assert codes(deal) == ["no_decision_maker"]
    assert "decision maker" in deal_warnings(deal)[0].message


def test_an_early_deal_warns_only_once_a_demo_is_planned(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Needs assessment"))
    assert codes(deal) == []
    ActivityFactory(owner=rep, deal=deal, type="demo", due_at=timezone.now())
    assert codes(deal) == ["no_decision_maker"]


def test_a_known_decision_maker_silences_the_warning(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Presentation / demo"))
    StakeholderFactory(deal=deal, role="decision_maker")
    assert codes(deal) == []


def test_a_deal_idle_longer_than_the_stage_s_rotting_days_warns(rep):
    stage = stage_named("Qualification")  # 14 days
    deal = DealFactory(owner=rep, stage=stage)
    later = deal.stage_entered_at + dt.timedelta(days=15)
    assert codes(deal, now=later) == ["rotting"]
    assert (
        deal_warnings(deal, now=later)[0].message == "Idle 15 days in Qualification (more than 14)."
    )
    assert codes(deal, now=deal.stage_entered_at + dt.timedelta(days=13)) == []


def test_a_closed_deal_has_no_warnings(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Presentation / demo"))
    deal_close(deal, outcome=Outcome.SUSPENDED, lost_reason=lost_reason(), acting_user=rep)
    assert deal_warnings(deal) == []


def test_warnings_for_a_board_take_three_queries_whatever_the_number_of_deals(
    rep, django_assert_num_queries
):
    presentation = stage_named("Presentation / demo")
    deals = [DealFactory(owner=rep, stage=presentation) for _ in range(5)]
    StakeholderFactory(deal=deals[0])
    deals = list(Deal.objects.select_related("stage").order_by("pk"))
    with django_assert_num_queries(3):
        warnings = deals_warnings(deals)
    assert [len(warnings[deal.pk]) for deal in deals] == [0, 1, 1, 1, 1]


def test_has_decision_maker_can_be_annotated_in_sql(rep):
    presentation = stage_named("Presentation / demo")
    with_dm = DealFactory(owner=rep, stage=presentation)
    StakeholderFactory(deal=with_dm)
    DealFactory(owner=rep, stage=presentation)
    deals = deals_annotate_decision_maker(Deal.objects.order_by("pk"))
    assert [deal.has_decision_maker for deal in deals] == [True, False]
