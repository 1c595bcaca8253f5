"""The overview (a manager's key figures), and the filters and access every report shares."""

from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.pipeline.models import Outcome
from salesflow.users.models import Role
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

WON_PATH = [
    ("Prospecting", "2026-01-05"),
    ("Proposal and objections", "2026-01-20"),
    ("Won", "2026-02-04"),
]
LOST_PATH = [("Prospecting", "2026-01-10"), ("Lost", "2026-01-30")]


@pytest.fixture
def history(rep, teammate, outsider):
    """North: rep wins 2 (EUR 1000 in 30 days, USD 500 in 10 days) and loses 1; teammate loses 1,
    has one open. South: outsider wins 1. One of rep's wins closed in March."""
    history_deal(rep, WON_PATH, outcome=Outcome.WON, amount=1000)
    history_deal(
        rep,
        [("Prospecting", "2026-03-01"), ("Won", "2026-03-11")],
        outcome=Outcome.WON,
        amount=500,
        currency="USD",
    )
    history_deal(rep, LOST_PATH, outcome=Outcome.LOST)
    history_deal(teammate, LOST_PATH, outcome=Outcome.LOST)
    history_deal(teammate, [("Prospecting", "2026-02-01")], amount=700)
    history_deal(outsider, WON_PATH, outcome=Outcome.WON, amount=9000)


def teammate_pk():
    from salesflow.users.models import User

    return User.objects.get(username="teammate").pk


def run(viewer, **query):
    return report_run(report_get("overview"), viewer, query)


def test_a_manager_sees_each_team_they_manage_and_nothing_else(history, manager):
    report = run(manager)
    assert [row["label"] for row in report.rows] == ["North"]
    (north,) = report.rows
    assert (north["won"], north["lost"], north["open_deals"]) == (2, 2, 1)
    assert north["win_rate"] == 0.5
    assert north["won_amount"] == {"EUR": "1000.00", "USD": "500.00"}
    assert north["open_amount"] == {"EUR": "700.00"}
    # Days to win: (30 + 10) / 2.
    assert north["cycle_days_avg"] == 20.0
    assert report.summary["win_rate"] == 0.5


def test_a_rep_sees_only_their_own_figures(history, rep):
    (row,) = run(rep).rows
    assert (row["won"], row["lost"], row["open_deals"]) == (2, 1, 0)


def test_an_admin_sees_every_team_and_can_group_by_rep(history, admin_user, rep, outsider):
    rows = {row["key"]: row for row in run(admin_user, by="owner").rows}
    assert {key: row["won"] for key, row in rows.items()} == {
        rep.pk: 2,
        teammate_pk(): 0,
        outsider.pk: 1,
    }
    assert rows[rep.pk]["label"] == rep.get_full_name()
    teams = {row["label"]: row["won"] for row in run(admin_user).rows}
    assert teams == {"North": 2, "South": 1}


def test_the_period_selects_deals_by_the_day_they_closed(history, manager):
    (north,) = run(manager, **{"from": "2026-03-01", "to": "2026-03-31"}).rows
    assert (north["won"], north["lost"]) == (1, 0)
    assert north["won_amount"] == {"USD": "500.00"}


def test_no_closed_deals_gives_no_win_rate_rather_than_zero(manager, rep):
    history_deal(rep, [("Prospecting", "2026-02-01")])
    (row,) = run(manager).rows
    assert row["win_rate"] is None
    assert row["cycle_days_avg"] is None


def test_a_team_filter_takes_in_sub_teams_and_refuses_teams_not_managed(history, manager, north):
    office = TeamFactory(name="North office", parent=north)
    member = UserFactory(username="office-rep", role=Role.REP, team=office)
    history_deal(member, WON_PATH, outcome=Outcome.WON)
    labels = [row["label"] for row in run(manager, team=north.pk).rows]
    assert labels == ["North", "North office"]
    south = TeamFactory(name="Elsewhere")
    from salesflow.analytics.filters import FilterError

    with pytest.raises(FilterError) as caught:
        run(manager, team=south.pk)
    assert "team" in caught.value.errors


def test_bad_filters_are_named(manager):
    from salesflow.analytics.filters import FilterError

    with pytest.raises(FilterError) as caught:
        run(manager, **{"from": "2026-13-01", "to": "2026-01-01", "channel": "tv", "by": "moon"})
    assert set(caught.value.errors) == {"from", "channel", "by"}
    with pytest.raises(FilterError) as caught:
        run(manager, **{"from": "2026-02-01", "to": "2026-01-01"})
    assert "before" in caught.value.errors["to"]


def test_the_page_draws_filters_chart_table_and_csv(history, manager):
    client = client_for(manager)
    page = client.get("/analytics/overview/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "North" in html and "50.0%" in html and 'data-chart="chart-data"' in html
    csv = client.get("/analytics/overview/?format=csv&by=team")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Team,Open deals,Open pipeline,Won,Lost,Win rate")
    assert "North,1,EUR 700.00,2,2,0.5,EUR 1000.00; USD 500.00,20.0" in text
    refused = client.get("/analytics/overview/?from=yesterday")
    assert refused.status_code == 400
    assert "not a date" in refused.content.decode()


def test_the_api_answers_rows_and_the_filters_it_applied(history, manager):
    api = ApiClient(manager)
    answer = api.get("/analytics/overview", {"from": "2026-01-01"}).json()
    assert answer["filters"]["from"] == "2026-01-01" and answer["filters"]["by"] == "team"
    assert answer["rows"][0]["won_amount"] == {"EUR": "1000.00", "USD": "500.00"}
    assert invalid_fields(api.get("/analytics/overview", {"to": "soon"})) == {"to"}
    assert invalid_fields(api.get("/analytics/overview", {"by": "moon"})) == {"by"}
