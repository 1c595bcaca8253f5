"""The reports rewritten for a million deals (issue #10 point 5) give the figures counted by hand
on a small set, for a manager (their team only) and an admin (everyone), and read the history
in few queries whatever its size.

Overview and forecast now add their totals up from one row per group and currency; the funnel
finds "moved on" with a window over each deal's history; velocity and detours read the history
once for the figures and the stays left out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import history_deal
from salesflow.pipeline.models import Outcome, Stage
from tests.factories import default_pipeline

pytestmark = pytest.mark.django_db


def run(user, slug, **query):
    return report_run(report_get(slug), user, query)


@pytest.fixture
def deals(rep, teammate, outsider):
    """North (rep, teammate; the manager's team) and South (the outsider), all in January 2026:
    N1 (rep) Prospecting 1st, Qualification 3rd, Needs 5th, won on the 10th: EUR 1,000.
    N2 (rep) Prospecting 2nd, Needs 4th (skips Qualification), back to Qualification on the 6th,
       lost on the 12th: USD 500.
    N3 (teammate) Prospecting 1st, Qualification 2nd, open, no amount, expected March 15th.
    N4 (teammate) Prospecting 3rd, open, USD 200, expected March 20th.
    S1 (outsider) Prospecting 1st, Qualification 2nd, won on the 5th: EUR 7,000.
    S2 (outsider) Prospecting 1st, open, EUR 300, expected February 10th."""
    P, Q, N = "Prospecting", "Qualification", "Needs assessment"
    history_deal(
        rep,
        [(P, "2026-01-01"), (Q, "2026-01-03"), (N, "2026-01-05"), ("Won", "2026-01-10")],
        outcome=Outcome.WON,
        amount=1000,
        name="N1",
    )
    history_deal(
        rep,
        [(P, "2026-01-02"), (N, "2026-01-04"), (Q, "2026-01-06"), ("Lost", "2026-01-12")],
        outcome=Outcome.LOST,
        amount=500,
        currency="USD",
        name="N2",
    )
    history_deal(
        teammate,
        [(P, "2026-01-01"), (Q, "2026-01-02")],
        amount=None,
        expected_close_on="2026-03-15",
        name="N3",
    )
    history_deal(
        teammate,
        [(P, "2026-01-03")],
        amount=200,
        currency="USD",
        expected_close_on="2026-03-20",
        name="N4",
    )
    history_deal(
        outsider,
        [(P, "2026-01-01"), (Q, "2026-01-02"), ("Won", "2026-01-05")],
        outcome=Outcome.WON,
        amount=7000,
        name="S1",
    )
    history_deal(
        outsider, [(P, "2026-01-01")], amount=300, expected_close_on="2026-02-10", name="S2"
    )


def probability(name: str) -> Decimal:
    return Decimal(Stage.objects.get(pipeline=default_pipeline(), name=name).probability)


def test_overview_adds_up_counts_amounts_and_days_per_team(deals, manager, admin_user, outsider):
    (north,) = run(manager, "overview").rows
    assert {k: north[k] for k in north if k not in ("key", "label")} == {
        "open_deals": 2,
        "open_amount": {"USD": "200.00"},  # N3 has no amount: it adds no currency
        "won": 1,
        "lost": 1,
        "win_rate": 0.5,
        "won_amount": {"EUR": "1000.00"},
        "cycle_days_avg": 9.0,
    }
    assert run(manager, "overview").summary == {
        "won": 1,
        "lost": 1,
        "win_rate": 0.5,
        "won_amount": {"EUR": "1000.00"},
        "open_deals": 2,
        "open_amount": {"USD": "200.00"},
        "cycle_days_avg": 9.0,
    }
    everyone = run(admin_user, "overview")
    assert everyone.summary == {
        "won": 2,
        "lost": 1,
        "win_rate": round(2 / 3, 4),
        "won_amount": {"EUR": "8000.00"},
        "open_deals": 3,
        "open_amount": {"EUR": "300.00", "USD": "200.00"},
        "cycle_days_avg": 6.5,  # (9 + 4) / 2
    }
    by_owner = {row["key"]: row for row in run(admin_user, "overview", by="owner").rows}
    assert by_owner[outsider.pk]["cycle_days_avg"] == 4.0
    assert by_owner[outsider.pk]["open_amount"] == {"EUR": "300.00"}


def test_funnel_counts_moving_on_from_the_history_window(deals, manager, admin_user):
    def counts(user):
        return {
            row["stage"]: (row["reached"], row["advanced"], row["won"])
            for row in run(user, "funnel").rows
            if row["reached"]
        }

    assert counts(manager) == {
        # N1, N2, N3 moved on; N4 did not.
        "Prospecting": (4, 3, 1),
        # N1 went on to Needs; N2 came back here and was lost; N3 stayed.
        "Qualification": (3, 1, 1),
        # N1 went on to Won; N2 went back.
        "Needs assessment": (2, 1, 1),
        "Won": (1, 0, 1),
    }
    assert counts(admin_user) == {
        "Prospecting": (6, 4, 2),
        "Qualification": (4, 2, 2),
        "Needs assessment": (2, 1, 1),
        "Won": (2, 0, 2),
    }


def test_funnel_in_activity_mode_counts_only_moves_in_the_period(deals, manager):
    report = run(manager, "funnel", mode="activity", **{"from": "2026-01-03", "to": "2026-01-05"})
    counts = {row["stage"]: (row["reached"], row["advanced"], row["won"]) for row in report.rows}
    # Entries from the 3rd to the 5th: N1 Qualification (moved on to Needs on the 5th) and
    # Needs (won on the 10th: outside), N2 Needs, N4 Prospecting.
    assert counts["Prospecting"] == (1, 0, 0)
    assert counts["Qualification"] == (1, 1, 0)
    assert counts["Needs assessment"] == (2, 0, 0)


def test_velocity_reads_stays_and_cycles_for_the_team(deals, manager, admin_user):
    report = run(manager, "velocity")
    stays = {r["stage"]: (r["stays"], r["avg_days"], r["median_days"]) for r in report.rows}
    assert stays["Prospecting"] == (2, 2.0, 2.0)
    assert stays["Qualification"] == (2, 4.0, 4.0)  # N1 2 days, N2 6 days
    assert stays["Needs assessment"] == (2, 3.5, 3.5)  # N1 5 days, N2 2 days
    assert report.summary == {
        "cycles_estimated_left_out": 0,
        "won": 1,
        "cycle_days_avg": 9.0,
        "cycle_days_median": 9.0,
        "lost": 1,
        "lost_cycle_days_avg": 10.0,
        "lost_cycle_days_median": 10.0,
        "stays": 6,
        "estimated_left_out": 0,
    }
    everyone = run(admin_user, "velocity").summary
    assert (everyone["won"], everyone["cycle_days_avg"], everyone["stays"]) == (2, 6.5, 8)


def test_detours_of_the_team_in_one_read(deals, manager, admin_user, rep, outsider):
    by_stage = {
        r["label"]: (r["deals"], r["backward_moves"], r["skipped_stages"], r["extra_days"])
        for r in run(manager, "detours", by="stage").rows
    }
    assert by_stage == {
        # N2 skipped it, then spent 6 days there catching up after falling back.
        "Qualification": (1, 0, 1, 6.0),
        "Needs assessment": (1, 1, 0, 0.0),  # N2 fell back from here
        # N1 jumped from Needs to Won.
        "Presentation / demo": (1, 0, 1, 0.0),
        "Proposal and objections": (1, 0, 1, 0.0),
        "Closing": (1, 0, 1, 0.0),
    }
    summary = run(manager, "detours", by="stage").summary
    assert summary == {
        "deals_with_detours": 2,
        "backward_moves": 1,
        "reopened": 0,
        "skipped_stages": 4,
        "repeated_stages": 0,
        "extra_days": 6.0,
        "estimated_left_out": 0,
    }
    # S1 skips Needs, Presentation, Proposal and Closing on its way to Won.
    everyone = run(admin_user, "detours", by="owner")
    assert everyone.summary["deals_with_detours"] == 3
    assert everyone.summary["skipped_stages"] == 8
    assert {row["key"]: row["skipped_stages"] for row in everyone.rows} == {
        rep.pk: 4,
        outsider.pk: 4,
    }


def test_forecast_counts_months_and_currencies_of_the_team(deals, manager, admin_user):
    prospecting = probability("Prospecting")
    report = run(manager, "forecast")
    assert [(row["month"], row["deals"], row["weighted_amount"]) for row in report.rows] == [
        ("2026-03", 2, {"USD": f"{Decimal(200) * prospecting / 100:.2f}"}),
    ]
    assert report.summary["deals"] == 2
    assert report.summary["open_amount"] == {"USD": "200.00"}
    everyone = run(admin_user, "forecast")
    assert [(row["month"], row["deals"]) for row in everyone.rows] == [
        ("2026-02", 1),
        ("2026-03", 2),
    ]
    assert everyone.summary["open_amount"] == {"EUR": "300.00", "USD": "200.00"}


@pytest.mark.parametrize(
    ("slug", "query", "most"),
    [
        ("overview", {}, 4),
        ("funnel", {}, 5),
        ("velocity", {}, 5),
        ("detours", {"by": "stage"}, 3),
        ("forecast", {}, 3),
    ],
)
def test_each_report_reads_in_a_fixed_few_queries(
    deals, admin_user, slug, query, most, django_assert_max_num_queries
):
    with django_assert_max_num_queries(most):
        run(admin_user, slug, **query)


def test_funnel_moving_on_needs_a_later_stage_further_on(rep):
    """X came back to Qualification: entering it again is no moving on from it. Y moved from
    Prospecting to Qualification at the same moment: the later change (by id) counts."""
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Qualification", "2026-01-02"),
            ("Prospecting", "2026-01-03"),
            ("Qualification", "2026-01-04"),
        ],
        name="X",
    )
    history_deal(rep, [("Prospecting", "2026-01-05"), ("Qualification", "2026-01-05")], name="Y")
    counts = {
        row["stage"]: (row["reached"], row["advanced"])
        for row in run(rep, "funnel").rows
        if row["reached"]
    }
    assert counts == {"Prospecting": (2, 2), "Qualification": (2, 0)}
