"""Detours: backward moves, reopenings, skipped and repeated stages and the extra days they
cost, per deal and summed per stage, rep and pipeline, against figures counted by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.analytics.filters import FilterError
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.pipeline.models import Outcome, Stage
from salesflow.pipeline.services import deal_close, deal_move, deal_reopen
from tests.factories import stage_named

pytestmark = pytest.mark.django_db

FIGURES = ("backward_moves", "reopened", "skipped_stages", "repeated_stages", "extra_days")


@pytest.fixture
def history(rep, teammate, outsider, admin_user):
    """Rep's deals, all created in January:
    A goes straight through and is won; F is lost from Prospecting: no detours.
    B skips Qualification, Needs and Presentation, then Closing on its way to Won: 4 skipped.
    C falls back from Presentation to Qualification (Jan 12) and works its way up again: one
    backward move, Qualification, Needs and Presentation entered twice, and 8 + 3 extra days
    in Qualification and Needs before it is back in Presentation.
    D skips four stages from Qualification to Won, is reopened into Closing on Jan 15 and won
    again on Jan 25: 10 extra days in Closing.
    E skips Qualification, falls back to it (1 backward move), enters Needs again at an
    estimated moment: the 4 days in Qualification are left out.
    S is suspended in Qualification and resumed there: reopened, nothing repeated.
    The teammate falls back to Prospecting for 2 days; the outsider falls back once too."""
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Qualification", "2026-01-02"),
            ("Needs assessment", "2026-01-03"),
            ("Presentation / demo", "2026-01-04"),
            ("Proposal and objections", "2026-01-05"),
            ("Closing", "2026-01-06"),
            ("Won", "2026-01-07"),
        ],
        outcome=Outcome.WON,
        name="A",
    )
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Proposal and objections", "2026-01-05"),
            ("Won", "2026-01-10"),
        ],
        outcome=Outcome.WON,
        name="B",
    )
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Qualification", "2026-01-03"),
            ("Needs assessment", "2026-01-05"),
            ("Presentation / demo", "2026-01-10"),
            ("Qualification", "2026-01-12"),
            ("Needs assessment", "2026-01-20"),
            ("Presentation / demo", "2026-01-23"),
            ("Proposal and objections", "2026-01-30"),
        ],
        name="C",
    )
    d = history_deal(
        rep,
        [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-02"), ("Won", "2026-01-10")],
        outcome=Outcome.WON,
        name="D",
    )
    d = deal_reopen(d, acting_user=rep, at=at("2026-01-15"))
    deal_close(
        d,
        outcome=Outcome.WON,
        acting_user=admin_user,
        override_reason="Signed",
        at=at("2026-01-25"),
    )
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Needs assessment", "2026-01-03"),
            ("Qualification", "2026-01-05"),
            ("Needs assessment", "2026-01-09"),
            ("Presentation / demo", "2026-01-12"),
        ],
        estimated={3},
        name="E",
    )
    history_deal(
        rep, [("Prospecting", "2026-01-01"), ("Lost", "2026-01-05")], outcome=Outcome.LOST, name="F"
    )
    s = history_deal(
        rep,
        [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-02")],
        outcome=Outcome.SUSPENDED,
        closed="2026-01-04",
        name="S",
    )
    deal_reopen(s, acting_user=rep, at=at("2026-01-08"))
    history_deal(
        teammate,
        [
            ("Prospecting", "2026-01-01"),
            ("Qualification", "2026-01-02"),
            ("Prospecting", "2026-01-04"),
            ("Qualification", "2026-01-06"),
        ],
        name="T",
    )
    history_deal(
        outsider,
        [
            ("Prospecting", "2026-01-01"),
            ("Qualification", "2026-01-02"),
            ("Prospecting", "2026-01-03"),
        ],
        name="X",
    )


def run(viewer, **query):
    return report_run(report_get("detours"), viewer, query)


def figures(row):
    return tuple(row[name] for name in FIGURES)


def test_each_deal_with_a_detour_is_listed_with_what_it_did(history, rep):
    report = run(rep)
    rows = {row["deal"]: figures(row) for row in report.rows}
    assert rows == {
        "B": (0, 0, 4, 0, 0.0),
        "C": (1, 0, 0, 3, 11.0),
        "D": (0, 1, 4, 0, 10.0),
        "E": (1, 0, 1, 1, 0.0),
        "S": (0, 1, 0, 0, 0.0),
    }
    # The costliest first, then the most backward moves.
    assert [row["deal"] for row in report.rows] == ["C", "D", "E", "B", "S"]
    c = report.rows[0]
    assert c["deal_url"] == reverse("pipeline:deal-detail", args=[c["deal_id"]])
    assert c["owner"] == rep.get_full_name()


def test_totals_sum_every_detour_and_count_estimated_stays_left_out(history, rep):
    assert run(rep).summary == {
        "deals_with_detours": 5,
        "backward_moves": 2,
        "reopened": 2,
        "skipped_stages": 9,
        "repeated_stages": 4,
        "extra_days": 21.0,
        "estimated_left_out": 1,
    }


def test_by_stage_counts_each_detour_where_it_happened(history, rep):
    rows = {row["label"]: (row["deals"], *figures(row)) for row in run(rep, by="stage").rows}
    assert rows == {
        # Skipped by B and E, repeated by C (with 8 extra days), S resumed here.
        "Qualification": (4, 0, 1, 2, 1, 8.0),
        # E fell back from here; skipped by B and D; repeated by C and E.
        "Needs assessment": (4, 1, 0, 2, 2, 3.0),
        # C fell back from here; skipped by B and D; repeated by C.
        "Presentation / demo": (3, 1, 0, 2, 1, 0.0),
        "Proposal and objections": (1, 0, 0, 1, 0, 0.0),
        # Skipped by B and D; D reopened here and spent 10 extra days.
        "Closing": (2, 0, 1, 2, 0, 10.0),
    }
    assert [row["label"] for row in run(rep, by="stage").rows][:3] == [
        "Closing",
        "Qualification",
        "Needs assessment",
    ]


def test_by_owner_and_pipeline_sum_the_deals_a_manager_may_see(history, manager, rep, teammate):
    rows = {row["key"]: (row["deals"], *figures(row)) for row in run(manager, by="owner").rows}
    assert rows == {rep.pk: (5, 2, 2, 9, 4, 21.0), teammate.pk: (1, 1, 0, 0, 2, 2.0)}
    (pipeline,) = run(manager, by="pipeline").rows
    assert (pipeline["label"], pipeline["deals"], pipeline["extra_days"]) == (
        "Sales process",
        6,
        23.0,
    )


def test_a_deal_reopened_after_it_was_lost_is_no_backward_move_nor_extra_days(rep, admin_user):
    deal = history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Proposal and objections", "2026-01-02"),
            ("Lost", "2026-01-05"),
        ],
        outcome=Outcome.LOST,
    )
    deal = deal_reopen(
        deal, acting_user=rep, to_stage=stage_named("Proposal and objections"), at=at("2026-01-10")
    )
    deal_move(
        deal,
        to_stage=stage_named("Closing"),
        acting_user=admin_user,
        override_reason="Back on",
        at=at("2026-01-15"),
    )
    (row,) = run(rep).rows
    # Prospecting -> Proposal skipped three stages; reopening entered Proposal a second time;
    # Lost is no furthest stage to catch up with, so the 5 days back in Proposal are not extra.
    assert figures(row) == (0, 1, 3, 1, 0.0)


def test_a_stage_removed_from_the_pipeline_is_not_skipped(rep):
    Stage.objects.filter(name="Needs assessment").update(archived_at=timezone.now())
    history_deal(rep, [("Prospecting", "2026-01-01"), ("Presentation / demo", "2026-01-02")])
    (row,) = run(rep).rows
    assert row["skipped_stages"] == 1


def test_each_persona_sees_their_own_detours(history, rep, manager, admin_user):
    assert run(rep).summary["deals_with_detours"] == 5
    assert run(manager).summary["deals_with_detours"] == 6
    assert run(admin_user).summary["deals_with_detours"] == 7


def test_the_period_and_filters_narrow_and_nothing_found_gives_zeros(history, manager, teammate):
    (row,) = run(manager, owner=teammate.pk).rows
    assert row["deal"] == "T" and figures(row) == (1, 0, 0, 2, 2.0)
    report = run(manager, **{"from": "2026-02-01"})
    assert report.rows == []
    assert report.summary["extra_days"] == 0.0 and report.summary["backward_moves"] == 0
    with pytest.raises(FilterError) as caught:
        run(manager, by="moon")
    assert set(caught.value.errors) == {"by"}


def test_the_page_links_each_deal_and_the_csv_and_api_agree(history, rep):
    client = client_for(rep)
    page = client.get("/analytics/detours/")
    assert page.status_code == 200
    html = page.content.decode()
    c = run(rep).rows[0]
    assert f'<a href="{c["deal_url"]}">C</a>' in html
    assert "11.0" in html and "Extra days" in html
    csv = client.get("/analytics/detours/?format=csv&by=stage")
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert (
        lines[0] == "Stage,Deals,Backward moves,Reopened,Stages skipped,Stages repeated,Extra days"
    )
    assert "Closing,2,0,1,2,0,10.0" in lines
    api = ApiClient(rep)
    answer = api.get("/analytics/detours").json()
    first = answer["rows"][0]
    assert {k: first[k] for k in ("deal_id", *FIGURES)} == {
        "deal_id": c["deal_id"],
        "backward_moves": 1,
        "reopened": 0,
        "skipped_stages": 0,
        "repeated_stages": 3,
        "extra_days": 11.0,
    }
    assert (answer["backward_moves"], answer["extra_days"], answer["estimated_left_out"]) == (
        2,
        21.0,
        1,
    )
    assert invalid_fields(api.get("/analytics/detours", {"by": "moon"})) == {"by"}


def test_the_deal_list_takes_the_same_few_queries_however_many_deals(
    history, rep, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        report = run(rep)
    assert len(report.rows) == 5


def test_the_deal_list_shows_the_costliest_detours_and_says_how_many_there_are(rep, monkeypatch):
    from salesflow.analytics.reports import detours as module

    monkeypatch.setattr(module, "DEAL_ROWS", 1)
    short = [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-05"),
             ("Prospecting", "2026-01-07"), ("Qualification", "2026-01-08")]  # fmt: skip
    long = [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-05"),
            ("Prospecting", "2026-01-07"), ("Qualification", "2026-01-30")]  # fmt: skip
    history_deal(rep, short, name="Short detour")
    history_deal(rep, long, name="Long detour")
    report = report_run(report_get("detours"), rep, {"by": "deal"})
    assert [row["deal"] for row in report.rows] == ["Long detour"]
    assert report.summary["deals_with_detours"] == 2
    assert "the 1 that cost most extra days of 2" in report.notes[0]
