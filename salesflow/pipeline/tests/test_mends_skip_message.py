"""A refused skip says which stage's criteria are missing, in words that fit a skip (issue 12)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from salesflow.core.errors import DomainError
from salesflow.pipeline.models import Deal
from salesflow.pipeline.services import deal_move, deal_qualification_record
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def qualified(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    deal_qualification_record(
        deal,
        acting_user=rep,
        budget_amount=50000,
        is_decision_maker=True,
        need="Replace spreadsheets",
        timeline_on=dt.date(2027, 3, 1),
    )
    return Deal.objects.get(pk=deal.pk)


def test_a_skip_names_the_skipped_stage_whose_criteria_are_missing(rep, qualified):
    with pytest.raises(DomainError) as exc:
        deal_move(qualified, to_stage=stage_named("Presentation / demo"), acting_user=rep)
    assert exc.value.message == (
        "To skip to Presentation / demo, the criteria of Needs assessment must be met."
    )
    assert {m["stage"] for m in exc.value.missing} == {"Needs assessment"}
    assert "cannot leave Needs assessment" not in exc.value.full_text()


def test_a_skip_missing_criteria_of_two_stages_names_both(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    with pytest.raises(DomainError) as exc:
        deal_move(deal, to_stage=stage_named("Presentation / demo"), acting_user=rep)
    assert exc.value.message == (
        "To skip to Presentation / demo, the criteria of the stages Qualification and "
        "Needs assessment must be met."
    )


def test_the_next_stage_keeps_the_leaving_wording(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    with pytest.raises(DomainError) as exc:
        deal_move(deal, to_stage=stage_named("Needs assessment"), acting_user=rep)
    assert exc.value.message == "This deal cannot leave Qualification yet."


def test_the_deal_page_shows_the_skip_wording(rep_client, qualified):
    url = reverse("pipeline:deal-move", args=[qualified.pk])
    response = rep_client.post(
        url,
        {"move-to_stage": stage_named("Presentation / demo").pk, "move-version": qualified.version},
        follow=True,
    )
    text = html.unescape(response.content.decode())
    assert "To skip to Presentation / demo, the criteria of Needs assessment must be met." in text
    assert "cannot leave" not in text
    assert Deal.objects.get(pk=qualified.pk).stage.name == "Qualification"
