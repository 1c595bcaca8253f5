"""The deal page at scale (issue #10 point 4): a fixed number of queries whatever the deal holds,
its panels, exit criteria and warnings sharing what one of them read (`page_memo`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import client_for
from salesflow.activities.models import ActivityType
from salesflow.core.panels import page_memo, page_memo_start
from salesflow.pipeline.models import StageRequirement, StakeholderRole
from salesflow.pipeline.selectors import deal_warnings, deals_warnings
from salesflow.pipeline.stakeholders import (
    competitor_create,
    deal_competitor_add,
    stakeholder_add,
)
from salesflow.playbooks.selectors import question_sets_for_deal
from salesflow.playbooks.services import answer_record, assessment_confirm, objection_log
from salesflow.quotes.services import deal_line_add
from salesflow.quotes.tests.factories import ProductFactory, quote_with_lines
from salesflow.referrals.services import referral_record
from tests.factories import ActivityFactory, ContactFactory, DealFactory, stage_named

pytestmark = pytest.mark.django_db

# Session, user, teams, the deal (with the configuration's version and the panels' "is there
# any?" looks: referrals, first meeting, answers, confirmation, checklist ticks); then the
# stakeholders, timeline, answers, confirmation, referrals, competitors, product lines, quotes
# with their lines (one query), objections and the stage history. The configuration (stages,
# exit criteria, lost reasons, custom fields, question sets and questions, checklists, the
# objection library, the competitor and product catalogues) comes from the process's cache
# (salesflow.core.config_cache); the change history and the stakeholder form's suggestions are
# read when opened. Was 43 before the panels shared their reads, 28 before the cache.
DEAL_PAGE_QUERIES = 14


def _fill(deal, rep, rows: int, *, start: int = 0) -> None:
    """Stakeholders, competitors, objections, quotes, product lines, activities and notes; a
    referral, and the needs assessment answered and confirmed."""
    if start == 0:
        referral_record(acting_user=rep, referrer_contact=ContactFactory(owner=rep), deal=deal)
        for question_set in question_sets_for_deal(deal):
            for question in question_set.questions.filter(is_active=True):
                answer_record(deal, question, text="Fleet of 40 vans", acting_user=rep)
            assessment_confirm(deal, question_set, acting_user=rep)
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
    assert "Fleet of 40 vans" in body and "Confirmed by the customer" in body
    assert f"Rival {deal.pk}-6" in body and "Referred by" in body


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


# Parts of the page read when opened -----------------------------------------------------------


def test_the_change_history_is_read_when_opened(rep, rep_client, outsider):
    from auditlog.context import set_actor
    from django.urls import reverse

    from salesflow.pipeline.services import deal_update

    deal = DealFactory(owner=rep, amount=1000)
    with set_actor(rep):
        deal_update(deal, acting_user=rep, amount=4321)
    page = rep_client.get(deal.get_absolute_url()).content.decode()
    history = reverse("pipeline:deal-history", args=[deal.pk])
    assert "Show change history" in page and f'hx-get="{history}"' in page
    assert "history-list" not in page  # not read with the page
    opened = rep_client.get(history, HTTP_HX_REQUEST="true").content.decode()
    assert "history-list" in opened and "4321" in opened
    # Without htmx: the page with the history drawn in and open.
    response = rep_client.get(history)
    assert response.status_code == 302 and response["Location"].endswith(
        "?history=1#change-history"
    )
    drawn = rep_client.get(response["Location"]).content.decode()
    assert "history-list" in drawn and "4321" in drawn
    assert client_for(outsider).get(history, HTTP_HX_REQUEST="true").status_code == 404


def test_the_page_reads_quotes_with_their_lines_as_the_api_does(rep):
    """One query for the quotes and their lines: the same quotes, order, lines and totals as
    `deal_quotes` (a quote without lines too)."""
    from salesflow.quotes.selectors import deal_quotes, deal_quotes_with_lines, quote_totals
    from salesflow.quotes.services import quote_create

    deal = DealFactory(owner=rep)
    quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}, {"unit_price": "20.5"}])
    deal.refresh_from_db()
    quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 7, "quantity": 3}])
    deal.refresh_from_db()
    quote_create(deal, acting_user=rep)  # no lines yet
    expected = list(deal_quotes(deal))
    got = deal_quotes_with_lines(deal)
    assert [q.pk for q in got] == [q.pk for q in expected] and len(got) == 3
    for mine, theirs in zip(got, expected, strict=True):
        assert [line.pk for line in mine.lines.all()] == [line.pk for line in theirs.lines.all()]
        assert quote_totals(mine) == quote_totals(theirs)
        assert mine.status == theirs.status and mine.number == theirs.number


def test_confirmations_show_with_or_without_answers(rep, rep_client):
    """The page reads the confirmations with the answers; a set confirmed without any answer
    (no active question then) still shows as confirmed, and who confirmed it."""
    from salesflow.playbooks.models import DealAssessment, QuestionSet

    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    first = question_sets_for_deal(deal)[0]
    second = QuestionSet.objects.create(name="Zz no questions", stage=first.stage)
    for question in first.questions.filter(is_active=True):
        answer_record(deal, question, text="Forty vans", acting_user=rep)
    assessment_confirm(deal, first, acting_user=rep)
    url = deal.get_absolute_url()
    body = rep_client.get(url).content.decode()
    assert body.count("Confirmed by the customer") == 1 and f"by {rep}" in body
    DealAssessment.objects.create(
        deal=deal, question_set=second, confirmed_at=timezone.now(), confirmed_by=rep
    )
    body = rep_client.get(url).content.decode()
    assert body.count("Confirmed by the customer") == 2
