"""Activity efficiency: activities per won deal, hours from a lead's arrival to the first
contact, and overdue follow-ups, against figures worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import client_for
from salesflow.activities.models import ActivityType
from salesflow.activities.services import activity_create
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Outcome
from tests.factories import ActivityFactory, LeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)
WON_PATH = [("Prospecting", "2026-01-05"), ("Won", "2026-02-04")]
LOST_PATH = [("Prospecting", "2026-01-05"), ("Lost", "2026-01-30")]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def done(owner, deal, day, n=1):
    for _ in range(n):
        ActivityFactory(owner=owner, deal=deal, done_at=at(day))


def due(owner, deal, day):
    return ActivityFactory(owner=owner, deal=deal, due_at=at(day) if day else None)


def lead(owner, created, contacted=None):
    made = LeadFactory(owner=owner)
    Lead.objects.filter(pk=made.pk).update(
        created_at=created, first_response_at=contacted
    )  # fmt: skip
    return made


@pytest.fixture
def history(rep, teammate, outsider):
    """rep won two deals: the first with 3 activities of rep and 1 of teammate done (and one
    still open), the second (in March) with 1; rep's lost deal had 3 (one done late). teammate
    won nothing and did 2 activities on an open deal. Overdue today: one of rep's, one of
    teammate's, one of outsider's. Leads: rep's first contacted after 6 and 24 hours, a third
    not yet; teammate's after 3 hours."""
    first = history_deal(rep, WON_PATH, outcome=Outcome.WON)
    second = history_deal(
        rep, [("Prospecting", "2026-03-01"), ("Won", "2026-03-11")], outcome=Outcome.WON
    )
    lost = history_deal(rep, LOST_PATH, outcome=Outcome.LOST)
    open_ = history_deal(teammate, [("Prospecting", "2026-02-01")])
    done(rep, first, "2026-01-06", n=3)
    done(teammate, first, "2026-01-20")
    due(rep, first, "2026-05-01")
    done(rep, second, "2026-03-05")
    done(rep, lost, "2026-01-12", n=2)
    # Done a day late: past its due time, but done, so not overdue.
    ActivityFactory(owner=rep, deal=lost, due_at=at("2026-01-06"), done_at=at("2026-01-07"))
    done(teammate, open_, "2026-02-10", n=2)
    due(rep, first, "2026-03-30")
    due(rep, lost, None)
    due(teammate, open_, "2026-03-01")
    due(outsider, history_deal(outsider, [("Prospecting", "2026-02-01")]), "2026-03-15")
    day = dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC)
    lead(rep, day, day + dt.timedelta(hours=6))
    lead(rep, day, day + dt.timedelta(hours=24))
    lead(rep, day)
    lead(teammate, day, day + dt.timedelta(hours=3))


def run(viewer, **query):
    return report_run(report_get("activity"), viewer, query)


FIGURES = (
    "won", "activities_on_won", "activities_per_won", "activities_done", "leads",
    "leads_contacted", "first_contact_hours_avg", "overdue",
)  # fmt: skip


def figures(report):
    return {row["label"]: tuple(row[key] for key in FIGURES) for row in report.rows}


def test_figures_per_rep(history, manager, rep, teammate):
    assert figures(run(manager)) == {
        # 4 + 1 done activities on 2 won deals; leads contacted after 6 and 24 hours.
        rep.get_full_name(): (2, 5, 2.5, 7, 3, 2, 15.0, 1),
        # No won deal: no activities per won deal (not 0).
        teammate.get_full_name(): (0, 0, None, 3, 1, 1, 3.0, 1),
    }


def test_the_summary(history, manager):
    assert run(manager).summary == {
        "won": 2,
        "activities_per_won": 2.5,
        "activities_done": 10,
        # (6 + 24 + 3) / 3
        "first_contact_hours_avg": 11.0,
        "leads_not_contacted": 1,
        "overdue": 2,
    }


def test_per_team(history, manager, north):
    (row,) = run(manager, by="team").rows
    assert (row["key"], row["label"]) == (north.pk, "North")
    assert tuple(row[key] for key in FIGURES) == (2, 5, 2.5, 10, 4, 3, 11.0, 2)


def test_the_first_contact_is_the_first_call_or_email_done_with_the_lead(rep, manager):
    arrived = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    waiting = lead(rep, arrived)
    activity_create(
        acting_user=rep,
        type=ActivityType.NOTE,
        subject="Looked them up",
        lead=waiting,
        done_at=arrived + dt.timedelta(hours=1),
    )
    activity_create(
        acting_user=rep,
        type=ActivityType.CALL,
        subject="First call",
        lead=waiting,
        done_at=arrived + dt.timedelta(hours=2, minutes=30),
    )
    (row,) = run(manager).rows
    assert (row["leads_contacted"], row["first_contact_hours_avg"]) == (1, 2.5)


def test_a_rep_sees_their_own_figures_and_an_admin_everyones(history, rep, admin_user, outsider):
    (mine,) = run(rep).rows
    assert (mine["key"], mine["activities_done"], mine["overdue"]) == (rep.pk, 7, 1)
    rows = {row["key"]: row for row in run(admin_user).rows}
    assert rows[outsider.pk]["overdue"] == 1 and len(rows) == 3


def test_the_period_narrows_won_deals_done_activities_and_new_leads(history, manager, rep):
    rows = {row["key"]: row for row in run(manager, **{"from": "2026-03-01"}).rows}
    assert tuple(rows[rep.pk][key] for key in FIGURES) == (1, 1, 1.0, 1, 0, 0, None, 1)
    only_rep = run(manager, owner=rep.pk)
    assert [row["key"] for row in only_rep.rows] == [rep.pk]


def test_nothing_to_count_gives_no_ratio(manager):
    report = run(manager)
    assert report.rows == []
    assert report.summary["activities_per_won"] is None
    assert report.summary["first_contact_hours_avg"] is None


def test_the_page_and_csv_show_the_figures(history, manager, rep):
    client = client_for(manager)
    html = client.get("/analytics/activity/").content.decode()
    assert rep.get_full_name() in html and "2.5" in html and "15.0" in html
    assert "Invitation success rate" in html
    csv = client.get("/analytics/activity/?format=csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Rep,Won deals,Activities on won deals,Activities per won deal,Activities done,"
        "New leads,Contacted,Hours to first contact (avg),Overdue follow-ups"
    )
    assert f"{rep.get_full_name()},2,5,2.5,7,3,2,15.0,1" in text


def test_the_api_answers_rows_and_refuses_a_bad_grouping(history, manager, teammate):
    api = ApiClient(manager)
    answer = api.get("/analytics/activity").json()
    row = next(row for row in answer["rows"] if row["key"] == teammate.pk)
    assert row["activities_per_won"] is None and row["overdue"] == 1
    assert answer["overdue"] == 2
    assert invalid_fields(api.get("/analytics/activity", {"by": "moon"})) == {"by"}


def test_the_figures_are_aggregated_so_queries_do_not_grow_with_people(history, manager, north):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesflow.users.models import Role
    from tests.factories import UserFactory

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            run(manager)
        return len(captured)

    count()  # the manager's teams are looked up once, then remembered
    before = count()
    for n in range(3):
        someone = UserFactory(username=f"extra{n}", role=Role.REP, team=north)
        done(someone, history_deal(someone, WON_PATH, outcome=Outcome.WON), "2026-01-10", n=2)
        lead(someone, at("2026-01-10"), at("2026-01-11"))
    assert count() == before
