"""My day of a manager at scale (issue #10 point 4): the team's first deals per stage are read a
few per stage, and are the same ones the window over all of them chose."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.pages.views import DEALS_PER_STAGE
from salesflow.pipeline.models import Outcome
from salesflow.pipeline.selectors import deals_open_first_per_stage
from salesflow.users import policy
from salesflow.users.models import Visibility
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(manager, rep, teammate, outsider):
    """More open deals per stage than My day shows, closing on different days, some undated,
    with a closed one, a private one of the team and one of another team among them."""
    today = timezone.localdate()
    for index in range(8):
        closes = None if index == 5 else today + dt.timedelta(days=(index * 7) % 11)
        for stage in ("Qualification", "Proposal and objections"):
            DealFactory(
                owner=(rep, teammate, manager)[index % 3],
                stage=stage_named(stage),
                name=f"{stage} {index}",
                expected_close_on=closes,
            )
    DealFactory(owner=rep, stage=stage_named("Qualification"), name="Closed one",
                outcome=Outcome.WON, closed_at=timezone.now(),
                expected_close_on=today)  # fmt: skip
    DealFactory(owner=outsider, stage=stage_named("Qualification"), name="South one",
                expected_close_on=today)  # fmt: skip
    DealFactory(owner=teammate, stage=stage_named("Qualification"), name="Private one",
                visibility=Visibility.PRIVATE, expected_close_on=today)  # fmt: skip


def test_a_few_per_stage_are_the_ones_the_window_chose(manager, crowded):
    team_ids = policy.managed_team_ids(manager)
    windowed = deals_open_first_per_stage(
        manager, owner=manager, per_stage=DEALS_PER_STAGE, team_ids=team_ids
    )
    stages = sorted({deal.stage_id for deal in windowed})
    per_stage = deals_open_first_per_stage(
        manager, owner=manager, per_stage=DEALS_PER_STAGE, team_ids=team_ids, stage_ids=stages
    )
    assert [deal.pk for deal in per_stage] == [deal.pk for deal in windowed]
    assert len(per_stage) == 2 * DEALS_PER_STAGE
    names = {deal.name for deal in per_stage}
    assert "Closed one" not in names and "South one" not in names
    assert (
        deals_open_first_per_stage(
            manager, owner=manager, per_stage=DEALS_PER_STAGE, team_ids=team_ids, stage_ids=[]
        ).count()
        == 0
    )


def test_the_team_view_shows_the_first_deals_of_each_stage(manager, crowded):
    response = client_for(manager).get(reverse("pages:dashboard") + "?scope=team")
    cards = {card["name"]: card for card in response.context["stages"]}
    qualification = cards["Qualification"]
    assert qualification["count"] == 8 + 1  # the team's open ones, the private one included
    assert len(qualification["deals"]) == DEALS_PER_STAGE
    closing = [deal.expected_close_on for deal in qualification["deals"]]
    assert None not in closing and closing == sorted(closing)
