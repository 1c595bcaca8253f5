"""Reads of the deal list, My day and the deal page: what a user may see, filtered and grouped
in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.pipeline.models import Outcome
from salesflow.pipeline.selectors import (
    deal_stage_progress,
    deals_filtered,
    deals_open_first_per_stage,
    deals_open_totals_by_stage,
    stage_changes_of,
)
from salesflow.pipeline.services import deal_close, deal_move
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, DealFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db


def names(deals) -> set[str]:
    return {deal.name for deal in deals}


def test_the_deal_list_searches_deal_and_account_names_among_visible_deals(rep, outsider):
    DealFactory(owner=rep, name="Fleet renewal", account=AccountFactory(owner=rep, name="Acme"))
    DealFactory(owner=rep, name="Spare parts", account=AccountFactory(owner=rep, name="Fleetco"))
    DealFactory(owner=rep, name="Trucks")
    DealFactory(owner=outsider, name="Fleet of the other team")
    assert names(deals_filtered(rep, q="fleet")) == {"Fleet renewal", "Spare parts"}
    assert names(deals_filtered(rep, q="")) == {"Fleet renewal", "Spare parts", "Trucks"}


def test_the_deal_list_filters_by_stage_and_outcome(rep):
    DealFactory(owner=rep, name="Early")
    DealFactory(owner=rep, name="Late", stage=stage_named("Closing"))
    lost = DealFactory(owner=rep, name="Gone")
    deal_close(lost, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())
    assert names(deals_filtered(rep, stage=stage_named("Closing").pk)) == {"Late"}
    assert names(deals_filtered(rep, outcome=Outcome.LOST)) == {"Gone"}


def test_open_totals_count_and_sum_per_stage_and_currency(rep, teammate):
    DealFactory(owner=rep, amount=1000)
    DealFactory(owner=rep, amount=500)
    DealFactory(owner=rep, amount=700, currency="USD")
    DealFactory(owner=rep, amount=None)
    DealFactory(owner=teammate, amount=9000, visibility=Visibility.TEAM)
    rows = {
        (row["stage__name"], row["currency"]): (row["count"], row["total"])
        for row in deals_open_totals_by_stage(rep, owner=rep)
    }
    assert rows == {("Prospecting", "EUR"): (3, 1500), ("Prospecting", "USD"): (1, 700)}


def test_open_totals_leave_out_what_the_viewer_may_not_read(rep, outsider):
    DealFactory(owner=outsider, amount=1000, visibility=Visibility.PRIVATE)
    assert list(deals_open_totals_by_stage(rep, owner=outsider)) == []


def test_first_deals_per_stage_close_soonest_first_and_stop_at_the_limit(rep):
    today = timezone.localdate()
    for days in (30, 10, 20):
        DealFactory(owner=rep, name=f"In {days}", expected_close_on=today + dt.timedelta(days))
    DealFactory(owner=rep, name="Closing", stage=stage_named("Closing"))
    first = list(deals_open_first_per_stage(rep, owner=rep, per_stage=2))
    assert [d.name for d in first if d.stage.name == "Prospecting"] == ["In 10", "In 20"]
    assert "Closing" in names(first)


def test_stage_changes_and_progress_follow_the_deal(rep):
    deal = DealFactory(owner=rep)
    deal_move(deal, to_stage=stage_named("Qualification"), acting_user=rep)
    moves = [(c.from_stage and c.from_stage.name, c.to_stage.name) for c in stage_changes_of(deal)]
    assert moves == [(None, "Prospecting"), ("Prospecting", "Qualification")]
    states = dict((stage.name, state) for stage, state in deal_stage_progress(deal))
    assert states["Prospecting"] == "done"
    assert states["Qualification"] == "current"
    assert states["Closing"] == "todo" and "Lost" not in states


def test_the_deal_list_finds_an_account_name_in_other_capitals(rep):
    DealFactory(owner=rep, name="Fleet", account=AccountFactory(owner=rep, name="Ärzte GmbH"))
    assert names(deals_filtered(rep, q="ÄRZTE")) == {"Fleet"}
