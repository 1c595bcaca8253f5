"""Velocity: days per stage (average and median, in the database) and days to win or lose,
against figures counted by hand."""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import client_for
from salesflow.analytics.filters import FilterError
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.reports.velocity import avg_median
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.pipeline.models import Outcome, Pipeline, Stage
from salesflow.pipeline.services import deal_close, deal_reopen

pytestmark = pytest.mark.django_db


def reopened_and_won_again(rep, admin_user):
    """Won on Jan 11 after 10 days in Prospecting, reopened into Closing on Jan 21, won again
    on Jan 27: 6 days in Closing. The 10 days it sat won are no stay."""
    deal = history_deal(
        rep, [("Prospecting", "2026-01-01"), ("Won", "2026-01-11")], outcome=Outcome.WON, name="R"
    )
    deal = deal_reopen(deal, acting_user=rep, at=at("2026-01-21"))
    return deal_close(
        deal,
        outcome=Outcome.WON,
        acting_user=admin_user,
        override_reason="Signed after all",
        at=at("2026-01-27"),
    )


@pytest.fixture
def history(rep, teammate, outsider, admin_user):
    """Rep's closed deals, stays in days:
    W1 won Jan 31: Prospecting 3, Qualification 10, Proposal 17; 30 days to win.
    W2 won Feb 11: Prospecting 1, Qualification 9; 10 days.
    W3 won Feb 21: its Qualification moment is estimated, so both stays touching it are left
    out; 20 days.
    L1 lost Jan 30: Prospecting 20; 20 days to lose.
    L2 lost Feb 9: Prospecting 2, Qualification 28; 30 days.
    S suspended Jan 13: Prospecting 2, Closing 10 (until suspended).
    R: Prospecting 10, Closing 6 after it was reopened; 26 days to win.
    O is open (left out). The teammate and the outsider win one each."""
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Qualification", "2026-01-04"),
            ("Proposal and objections", "2026-01-14"),
            ("Won", "2026-01-31"),
        ],
        outcome=Outcome.WON,
        name="W1",
    )
    history_deal(
        rep,
        [("Prospecting", "2026-02-01"), ("Qualification", "2026-02-02"), ("Won", "2026-02-11")],
        outcome=Outcome.WON,
        name="W2",
    )
    history_deal(
        rep,
        [("Prospecting", "2026-02-01"), ("Qualification", "2026-02-06"), ("Won", "2026-02-21")],
        outcome=Outcome.WON,
        estimated={1},
        name="W3",
    )
    history_deal(
        rep,
        [("Prospecting", "2026-01-10"), ("Lost", "2026-01-30")],
        outcome=Outcome.LOST,
        name="L1",
    )
    history_deal(
        rep,
        [("Prospecting", "2026-01-10"), ("Qualification", "2026-01-12"), ("Lost", "2026-02-09")],
        outcome=Outcome.LOST,
        name="L2",
    )
    history_deal(
        rep,
        [("Prospecting", "2026-01-01"), ("Closing", "2026-01-03")],
        outcome=Outcome.SUSPENDED,
        closed="2026-01-13",
        name="S",
    )
    reopened_and_won_again(rep, admin_user)
    history_deal(rep, [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-05")], name="O")
    history_deal(
        teammate, [("Prospecting", "2026-01-01"), ("Won", "2026-01-05")], outcome=Outcome.WON
    )
    history_deal(
        outsider, [("Prospecting", "2026-01-01"), ("Won", "2026-01-03")], outcome=Outcome.WON
    )


def run(viewer, **query):
    return report_run(report_get("velocity"), viewer, query)


def by_stage(report):
    return {
        row["stage"]: (row["stays"], row["avg_days"], row["median_days"]) for row in report.rows
    }


def test_days_in_each_stage_average_and_median_over_closed_deals(history, rep):
    report = run(rep)
    assert by_stage(report) == {
        # 1, 2, 2, 3, 10, 20: the even count's median is the mean of the middle two.
        "Prospecting": (6, 6.3, 2.5),
        # 9, 10, 28.
        "Qualification": (3, 15.7, 10.0),
        "Needs assessment": (0, None, None),
        "Presentation / demo": (0, None, None),
        "Proposal and objections": (1, 17.0, 17.0),
        # S until it was suspended (10), R after it was reopened (6).
        "Closing": (2, 8.0, 8.0),
    }
    assert report.summary["stays"] == 12


def test_stays_at_estimated_moments_are_left_out_and_counted(history, rep):
    report = run(rep)
    assert report.summary["estimated_left_out"] == 2
    assert "left out: 2 this time" in " ".join(report.notes)


def test_days_to_win_and_to_lose_are_measured_separately(history, rep):
    summary = run(rep).summary
    # Won: 30, 10, 20, 26. Lost: 20, 30.
    assert (summary["won"], summary["cycle_days_avg"], summary["cycle_days_median"]) == (
        4,
        21.5,
        23.0,
    )
    assert (summary["lost"], summary["lost_cycle_days_avg"]) == (2, 25.0)
    assert summary["lost_cycle_days_median"] == 25.0


def test_the_period_selects_deals_by_the_day_they_closed(history, rep):
    report = run(rep, **{"from": "2026-02-01", "to": "2026-02-28"})
    rows = by_stage(report)
    assert rows["Prospecting"] == (2, 1.5, 1.5)
    assert rows["Qualification"] == (2, 18.5, 18.5)
    assert rows["Closing"] == (0, None, None)
    assert report.summary["estimated_left_out"] == 2
    assert (report.summary["cycle_days_avg"], report.summary["lost_cycle_days_avg"]) == (15.0, 30.0)


def test_the_trend_gives_each_month_closed(history, rep):
    assert run(rep, view="trend").rows == [
        {
            "month": "2026-01",
            "won": 2,
            "cycle_days_avg": 28.0,
            "cycle_days_median": 28.0,
            "lost": 1,
            "lost_cycle_days_avg": 20.0,
            "lost_cycle_days_median": 20.0,
        },
        {
            "month": "2026-02",
            "won": 2,
            "cycle_days_avg": 15.0,
            "cycle_days_median": 15.0,
            "lost": 1,
            "lost_cycle_days_avg": 30.0,
            "lost_cycle_days_median": 30.0,
        },
    ]


def test_nothing_closed_gives_no_days_rather_than_zero(rep):
    history_deal(rep, [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-05")])
    report = run(rep)
    assert all(row["avg_days"] is None and row["stays"] == 0 for row in report.rows)
    assert report.summary["cycle_days_avg"] is None and report.summary["won"] == 0
    assert report.summary["estimated_left_out"] == 0


def test_each_persona_counts_their_own_deals(history, rep, manager, admin_user, teammate):
    assert run(rep).summary["won"] == 4
    assert run(manager).summary["won"] == 5
    assert run(admin_user).summary["won"] == 6
    assert run(manager, owner=teammate.pk).summary["cycle_days_avg"] == 4.0
    with pytest.raises(FilterError) as caught:
        run(rep, view="sideways")
    assert set(caught.value.errors) == {"view"}


def test_each_pipeline_shows_its_own_stages_and_the_filter_picks_one(rep):
    upsell = Pipeline.objects.create(name="Upsell")
    Stage.objects.bulk_create(
        [
            Stage(pipeline=upsell, name="Discovery", position=1, probability=20),
            Stage(pipeline=upsell, name="Won", position=2, probability=100, kind="won"),
        ]
    )
    history_deal(
        rep,
        [("Discovery", "2026-01-01"), ("Won", "2026-01-05")],
        outcome=Outcome.WON,
        pipeline=upsell,
    )
    history_deal(rep, [("Prospecting", "2026-01-01"), ("Won", "2026-01-03")], outcome=Outcome.WON)
    rows = {(row["pipeline"], row["stage"]): row["avg_days"] for row in run(rep).rows}
    assert rows[("Upsell", "Discovery")] == 4.0
    assert rows[("Sales process", "Prospecting")] == 2.0
    only = run(rep, pipeline=upsell.pk)
    assert [(row["stage"], row["avg_days"]) for row in only.rows] == [("Discovery", 4.0)]
    assert only.summary["cycle_days_avg"] == 4.0


def test_the_median_is_the_middle_value_in_the_database(db):
    values = "SELECT 'a' AS grp, 1.0 AS days UNION ALL SELECT 'a', 5.0 UNION ALL SELECT 'a', 2.0"
    values += " UNION ALL SELECT 'b', 4.0 UNION ALL SELECT 'b', 8.0"
    figures = avg_median(values, [], ["grp"])
    assert figures[("a",)] == {"n": 3, "avg_days": 2.7, "median_days": 2.0}
    assert figures[("b",)] == {"n": 2, "avg_days": 6.0, "median_days": 6.0}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FROM ({values}) v "  # noqa: S608
                "GROUP BY grp ORDER BY grp"
            )
            assert [(g, float(m)) for g, m in cursor.fetchall()] == [("a", 2.0), ("b", 6.0)]


def test_the_page_csv_and_api_show_velocity(history, rep):
    client = client_for(rep)
    page = client.get("/analytics/velocity/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Qualification" in html and "15.7" in html and "Stays left out" in html
    csv = client.get("/analytics/velocity/?format=csv")
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Stage,Pipeline,Stays,Days in stage (avg),Days in stage (median)"
    assert "Qualification,Sales process,3,15.7,10.0" in lines
    assert "Needs assessment,Sales process,0,," in lines
    api = ApiClient(rep)
    answer = api.get("/analytics/velocity").json()
    qualification = next(row for row in answer["rows"] if row["stage"] == "Qualification")
    assert (qualification["avg_days"], qualification["median_days"]) == (15.7, 10.0)
    assert (answer["cycle_days_avg"], answer["cycle_days_median"]) == (21.5, 23.0)
    assert (answer["lost_cycle_days_avg"], answer["lost_cycle_days_median"]) == (25.0, 25.0)
    assert answer["estimated_left_out"] == 2
    trend = api.get("/analytics/velocity", {"view": "trend"}).json()
    assert [row["month"] for row in trend["rows"]] == ["2026-01", "2026-02"]
    assert invalid_fields(api.get("/analytics/velocity", {"view": "moon"})) == {"view"}
    assert invalid_fields(api.get("/analytics/velocity", {"from": "soon"})) == {"from"}


def test_cycle_times_leave_out_deals_created_or_closed_at_an_estimated_moment(rep):
    from salesflow.analytics.registry import report_get, report_run

    history_deal(rep, [("Prospecting", "2026-01-01"), ("Won", "2026-01-11")], outcome="won")
    history_deal(
        rep,
        [("Prospecting", "2026-01-01"), ("Won", "2026-03-01")],
        outcome="won",
        estimated={0},  # the import had no creation date
    )
    report = report_run(report_get("velocity"), rep, {})
    assert report.summary["cycle_days_avg"] == 10.0
    assert report.summary["cycles_estimated_left_out"] == 1
