"""The deal page at scale (issue #10 point 4): a fixed number of queries whatever the deal holds,
its panels, exit criteria and warnings sharing what one of them read (`page_memo`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities.models import ActivityType
from salesflow.core.panels import page_memo, page_memo_start
from salesflow.pipeline.models import StageRequirement, StakeholderRole
from salesflow.pipeline.selectors import deal_warnings, deals_warnings
from salesflow.pipeline.stakeholders import (
    competitor_create,
    deal_competitor_add,
    stakeholder_add,
)
from salesflow.playbooks.services import objection_log
from salesflow.quotes.services import deal_line_add
from salesflow.quotes.tests.factories import ProductFactory, quote_with_lines
from tests.factories import ActivityFactory, ContactFactory, DealFactory, stage_named

pytestmark = pytest.mark.django_db

# Session, user, teams, the deal; then the pipeline's stages and their exit criteria, the
# stakeholders, quotes (and their lines), objections, timeline, lost reasons, first meeting,
# needs assessment (sets, questions, answers, confirmation), referrals, competitors, products,
# checklist, custom fields, the people to suggest, the catalogues of the add forms, the history
# and the audit trail. Was 43 before the panels shared their reads.
DEAL_PAGE_QUERIES = 28


def _fill(deal, rep, rows: int, *, start: int = 0) -> None:
    """Stakeholders, competitors, objections, quotes, product lines, activities and notes."""
    for index in range(start, start + rows):
        person = ContactFactory(owner=rep, account=deal.account)
        stakeholder_add(deal, contact=person, role="influencer", acting_user=rep)
        rival = competitor_create(name=f"Rival {deal.pk}-{index}", acting_user=rep)
        deal_competitor_add(deal, competitor=rival, acting_user=rep)
        objection_log(deal, category="price", customer_words="Too dear", acting_user=rep)
        quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}, {"unit_price": 20}])
        deal.refresh_from_db()
        deal_line_add(deal, acting_user=rep, product=ProductFactory(), quantity=index + 1)
        ActivityFactory(owner=rep, deal=deal, contact=person)
        ActivityFactory(owner=rep, deal=deal, type=ActivityType.NOTE, subject=f"Note {index}")


def _queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)  # the first request creates the site's settings rows
    with django_assert_max_num_queries(DEAL_PAGE_QUERIES) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_deal_page_costs_the_same_queries_with_more_in_it(
    rep, rep_client, django_assert_max_num_queries
):
    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    _fill(deal, rep, 1)
    url = deal.get_absolute_url()
    few = _queries(rep_client, url, django_assert_max_num_queries)
    _fill(deal, rep, 6, start=1)
    many = _queries(rep_client, url, django_assert_max_num_queries)
    assert many == few
    body = rep_client.get(url).content.decode()
    assert body.count("Too dear") >= 7 and "Note 0" in body and "Note 6" in body


def test_a_deal_page_with_nothing_in_its_panels_reads_less(
    rep, rep_client, django_assert_max_num_queries
):
    """Panels with nothing to show skip what they would show it with (the objection library,
    the checklist's ticks, the quotes' lines)."""
    empty = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    full = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    _fill(full, rep, 2)
    assert _queries(rep_client, empty.get_absolute_url(), django_assert_max_num_queries) < (
        _queries(rep_client, full.get_absolute_url(), django_assert_max_num_queries)
    )


def test_the_page_memo_reads_once_on_a_page_and_every_time_elsewhere(rep):
    deal = DealFactory(owner=rep)
    reads = []

    def read():
        reads.append(1)
        return len(reads)

    assert page_memo(deal, "k", read) == 1 and page_memo(deal, "k", read) == 2
    page_memo_start(deal)
    assert page_memo(deal, "k", read) == 3 and page_memo(deal, "k", read) == 3
    page_memo_start(deal)  # a new page forgets the old reads
    assert page_memo(deal, "k", read) == 4


NOW = dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("stage", "decision_maker", "demo", "idle_days"),
    [
        ("Qualification", False, False, 0),
        ("Qualification", False, True, 0),  # a demo planned: who decides?
        ("Presentation / demo", False, False, 0),
        ("Presentation / demo", True, False, 0),
        ("Proposal and objections", False, False, 90),  # rotting too
        ("Qualification", True, True, 90),
    ],
)
def test_the_deal_page_warns_as_the_board_does(rep, stage, decision_maker, demo, idle_days):
    """The page's warnings come from what it read (stages, criteria, stakeholders): the same
    ones the board's batch finds."""
    assert StageRequirement.objects.filter(kind="decision_maker").exists()
    deal = DealFactory(
        owner=rep, stage=stage_named(stage), stage_entered_at=NOW - dt.timedelta(days=idle_days)
    )
    if decision_maker:
        person = ContactFactory(owner=rep, account=deal.account)
        stakeholder_add(deal, contact=person, role=StakeholderRole.DECISION_MAKER, acting_user=rep)
    if demo:
        ActivityFactory(owner=rep, deal=deal, type=ActivityType.DEMO, due_at=timezone.now())
    deal.refresh_from_db()
    expected = deals_warnings([deal], now=NOW)[deal.pk]
    page_memo_start(deal)
    assert deal_warnings(deal, now=NOW) == expected
    codes = {warning.code for warning in expected}
    assert ("no_decision_maker" in codes) == (
        not decision_maker and (demo or stage != "Qualification")
    )
    assert ("rotting" in codes) == (idle_days == 90)
