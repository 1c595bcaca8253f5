"""Objections by category and stage, and the win rate of the deals where each library answer
was used, against figures worked out by hand."""

from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.pipeline.models import Outcome
from salesflow.playbooks.models import (
    DealObjection,
    LibraryResponse,
    ObjectionCategory,
    ObjectionStatus,
)
from tests.factories import stage_named

pytestmark = pytest.mark.django_db

WON_PATH = [("Prospecting", "2026-01-05"), ("Won", "2026-02-04")]
LOST_PATH = [("Prospecting", "2026-01-05"), ("Lost", "2026-01-30")]
PROPOSAL = "Proposal and objections"


def objection(deal, category, stage, logged, *, answer=None, answered=None, own_words=False):
    """An objection logged on `logged`; answered on `answered` with a library answer, or in the
    rep's own words; else still open."""
    answered_at = at(answered) if answered else None
    text = "Our answer" if (answer or own_words) else ""
    return DealObjection.objects.create(
        deal=deal,
        category=category,
        customer_words="Too expensive",
        stage=stage_named(stage),
        logged_at=at(logged),
        status=ObjectionStatus.ANSWERED if text else ObjectionStatus.OPEN,
        response_given=text,
        library_response=answer,
        answered_at=answered_at,
    )


@pytest.fixture
def library():
    return {
        "value": LibraryResponse.objects.create(
            category=ObjectionCategory.PRICE, title="Value over price", response="..."
        ),
        "service": LibraryResponse.objects.create(
            category=ObjectionCategory.COMPETITOR, title="We beat them on service", response="..."
        ),
    }


@pytest.fixture
def history(rep, teammate, outsider, library):
    """deal           objections (category, stage, logged, answer)
    won (rep)       price at Proposal 01-15, "Value over price" 01-16 (before it was won);
                    timing at Proposal 01-20, own words
    lost (rep)      price at Prospecting 01-12 and 01-14, both "Value over price"
    won (teammate)  competitor at Presentation 02-01, "We beat them on service" 02-10, after
                    the deal was won (02-04)
    open (teammate) price at Prospecting 02-15, still open
    suspended (tm)  price at Proposal 01-18, "Value over price"
    won (outsider)  price at Proposal 01-15, "Value over price" (South)
    """
    price, value = ObjectionCategory.PRICE, library["value"]
    won = history_deal(rep, WON_PATH, outcome=Outcome.WON)
    objection(won, price, PROPOSAL, "2026-01-15", answer=value, answered="2026-01-16")
    objection(won, ObjectionCategory.TIMING, PROPOSAL, "2026-01-20", own_words=True,
              answered="2026-01-21")  # fmt: skip
    lost = history_deal(rep, LOST_PATH, outcome=Outcome.LOST)
    objection(lost, price, "Prospecting", "2026-01-12", answer=value, answered="2026-01-13")
    objection(lost, price, "Prospecting", "2026-01-14", answer=value, answered="2026-01-14")
    theirs = history_deal(teammate, WON_PATH, outcome=Outcome.WON)
    objection(theirs, ObjectionCategory.COMPETITOR, "Presentation / demo", "2026-02-01",
              answer=library["service"], answered="2026-02-10")  # fmt: skip
    open_ = history_deal(teammate, [("Prospecting", "2026-02-01")])
    objection(open_, price, "Prospecting", "2026-02-15")
    suspended = history_deal(
        teammate,
        [("Prospecting", "2026-01-05"), (PROPOSAL, "2026-01-17")],
        outcome=Outcome.SUSPENDED,
        closed="2026-01-25",
    )
    objection(suspended, price, PROPOSAL, "2026-01-18", answer=value, answered="2026-01-19")
    south = history_deal(outsider, WON_PATH, outcome=Outcome.WON)
    objection(south, price, PROPOSAL, "2026-01-15", answer=value, answered="2026-01-16")


def run(viewer, **query):
    return report_run(report_get("objections"), viewer, query)


FIGURES = ("objections", "share", "open", "deals", "won", "lost", "win_rate")


def figures(report):
    return {row["label"]: tuple(row[key] for key in FIGURES) for row in report.rows}


def test_by_category_most_frequent_first_with_the_win_rate_of_their_deals(history, manager):
    report = run(manager)
    assert figures(report) == {
        # 5 objections on 4 deals: one won, one lost, one suspended, one open.
        "Price": (5, 0.7143, 1, 4, 1, 1, 0.5),
        "Timing": (1, 0.1429, 0, 1, 1, 0, 1.0),
        "Competitor": (1, 0.1429, 0, 1, 1, 0, 1.0),
    }
    assert [row["key"] for row in report.rows] == ["price", "timing", "competitor"]
    assert report.summary == {"objections": 7, "open": 1, "deals": 5}


def test_by_stage(history, manager):
    report = run(manager, by="stage")
    assert figures(report) == {
        "Prospecting": (3, 0.4286, 1, 2, 0, 1, 0.0),
        "Presentation / demo": (1, 0.1429, 0, 1, 1, 0, 1.0),
        PROPOSAL: (3, 0.4286, 0, 2, 1, 0, 1.0),
    }
    assert [row["label"] for row in report.rows] == [
        "Prospecting",
        "Presentation / demo",
        PROPOSAL,
    ]


def test_by_library_answer_counts_deals_closed_after_it_was_used(history, manager, library):
    report = run(manager, by="response")
    assert figures(report) == {
        # Used 4 times on 3 deals: won once, lost once (twice on that deal), suspended once.
        "Value over price": (4, 0.6667, 0, 3, 1, 1, 0.5),
        # Given after the deal was won: it did not help win it, so no win rate.
        "We beat them on service": (1, 0.1667, 0, 1, 0, 0, None),
        "Own words (no library answer)": (1, 0.1667, 0, 1, 1, 0, 1.0),
    }
    assert [row["key"] for row in report.rows] == [
        library["value"].pk,
        library["service"].pk,
        None,
    ]
    assert report.rows[0]["category"] == "Price"


def test_a_rep_sees_their_own_deals_and_an_admin_everyones(history, rep, admin_user):
    assert figures(run(rep))["Price"][0] == 3
    assert figures(run(admin_user))["Price"][0] == 6


def test_the_period_selects_objections_by_the_day_they_were_logged(history, manager):
    january = figures(run(manager, **{"from": "2026-01-01", "to": "2026-01-31"}))
    assert set(january) == {"Price", "Timing"} and january["Price"][0] == 4


def test_no_objections_gives_no_rows(manager):
    report = run(manager, by="response")
    assert report.rows == [] and report.summary["objections"] == 0


def test_the_page_and_csv_show_the_figures(history, manager):
    client = client_for(manager)
    html = client.get("/analytics/objections/?by=response").content.decode()
    assert "Value over price" in html and "50.0%" in html
    csv = client.get("/analytics/objections/?by=response&format=csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Library answer,Category,Times used,Share,Still open,Deals,Won,Lost,Win rate"
    )
    assert "Value over price,Price,4,0.6667,0,3,1,1,0.5" in text
    assert "We beat them on service,Competitor,1,0.1667,0,1,0,0," in text


def test_the_api_answers_rows_and_refuses_a_bad_grouping(history, manager):
    api = ApiClient(manager)
    answer = api.get("/analytics/objections", {"by": "category"}).json()
    assert answer["rows"][0]["key"] == "price" and answer["rows"][0]["win_rate"] == 0.5
    assert answer["objections"] == 7
    assert invalid_fields(api.get("/analytics/objections", {"by": "moon"})) == {"by"}


@pytest.mark.parametrize("by", ["category", "stage", "response"])
def test_the_figures_are_aggregated_so_queries_do_not_grow_with_answers(history, manager, rep, by):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            run(manager, by=by)
        return len(captured)

    count()  # the manager's teams are looked up once, then remembered
    before = count()
    for category in (ObjectionCategory.NEED, ObjectionCategory.TRUST):
        answer = LibraryResponse.objects.create(category=category, title=category, response=".")
        deal = history_deal(rep, LOST_PATH, outcome=Outcome.LOST)
        objection(
            deal, category, "Qualification", "2026-01-10", answer=answer, answered="2026-01-11"
        )
    assert count() == before
