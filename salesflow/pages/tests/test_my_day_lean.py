"""My day at scale, session 13 (issue #10 point 4): a manager's team view reads the first deals
needing a next step and the first due activities of the manager and of the team apart (each
through its index, `first_of_each`), and the open deals per stage as two index-only counts; a
rep's first deals per stage a few per stage. The page shows the same rows, in the same order,
with the same counts, as reading everything at once did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.pages.selectors import activities_agenda_of_teams
from salesflow.pages.views import AGENDA_LIMIT, NEXT_STEP_LIMIT
from salesflow.pipeline.models import Outcome
from salesflow.pipeline.selectors import (
    deals_needing_next_step,
    deals_open_first_per_stage,
    deals_open_totals_by_stage,
    deals_visible_to,
)
from salesflow.users import policy
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ActivityFactory, DealFactory, stage_named

pytestmark = pytest.mark.django_db

DAY = reverse("pages:dashboard")
NOON = dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def noon(time_machine):
    time_machine.move_to(NOON)


def _work(manager, rep, teammate, outsider, *, deals: int, calls: int) -> None:
    """Open deals of the manager, their reps and another team; some with an overdue or no
    next step, some planned; due calls overdue and today, some at the same minute."""
    stages = ["Qualification", "Presentation / demo", "Proposal and objections"]
    for n in range(deals):
        owner = (manager, rep, teammate, outsider)[n % 4]
        deal = DealFactory(owner=owner, stage=stage_named(stages[n % 3]), name=f"Deal {n}",
                           amount=1000 + n, currency=("EUR", "USD")[n % 5 == 0],
                           visibility=(Visibility.TEAM, Visibility.PRIVATE)[n % 7 == 0],
                           expected_close_on=None if n % 6 == 0 else
                           NOON.date() + dt.timedelta(days=n % 9))  # fmt: skip
        if n % 3 == 1:
            ActivityFactory(owner=owner, deal=deal, due_at=NOON - dt.timedelta(days=n % 4 + 1))
        elif n % 3 == 2:
            ActivityFactory(owner=owner, deal=deal, due_at=NOON + dt.timedelta(days=3))
    DealFactory(owner=rep, outcome=Outcome.WON, closed_at=NOON, name="Won one")
    # The manager's own work outside their teams: only the "owner" part reads it.
    for n in range(deals // 10 + 1):
        DealFactory(owner=manager, team=None, name=f"Own deal {n}", amount=500)
    own_account = AccountFactory(owner=manager)
    for n in range(calls // 10 + 1):
        due = NOON - dt.timedelta(days=5, minutes=n)
        ActivityFactory(owner=manager, team=None, deal=None, account=own_account, due_at=due,
                        subject=f"Own call {n}")  # fmt: skip
    accounts = {user.pk: AccountFactory(owner=user) for user in (manager, rep, teammate, outsider)}
    for n in range(calls):
        owner = (manager, rep, teammate, outsider)[n % 4]
        due = NOON - dt.timedelta(hours=n % 5 * 30) if n % 2 else NOON + dt.timedelta(hours=n % 3)
        ActivityFactory(owner=owner, deal=None, account=accounts[owner.pk], subject=f"Call {n}",
                        due_at=due)  # fmt: skip


@pytest.fixture
def crowded(manager, rep, teammate, outsider):
    _work(manager, rep, teammate, outsider, deals=70, calls=200)


def test_the_team_parts_read_apart_give_the_rows_of_reading_all(manager, crowded):
    team_ids = policy.managed_team_ids(manager)
    limit = NEXT_STEP_LIMIT + 1
    whole = deals_needing_next_step(manager, owner=manager, team_ids=team_ids)
    apart = deals_needing_next_step(manager, owner=manager, team_ids=team_ids, limit=limit)
    assert whole.count() > limit  # more than the page shows, in both parts
    assert [deal.pk for deal in apart][:limit] == [deal.pk for deal in whole[:limit]]
    every = activities_agenda_of_teams(manager, team_ids=team_ids)
    first = activities_agenda_of_teams(manager, team_ids=team_ids, limit=AGENDA_LIMIT)
    assert every["overdue"].count() > AGENDA_LIMIT
    for name in ("overdue", "today"):
        expected = [activity.pk for activity in every[name][:AGENDA_LIMIT]]
        assert [activity.pk for activity in first[name]][:AGENDA_LIMIT] == expected


def test_the_stage_totals_counted_apart_add_up_to_the_teams_deals(manager, crowded):
    team_ids = policy.managed_team_ids(manager)
    readable = deals_visible_to(manager).filter(
        Q(owner=manager) | Q(team_id__in=team_ids), outcome=Outcome.OPEN
    )
    expected = {
        (row["stage_id"], row["currency"]): (row["count"], row["total"])
        for row in readable.values("stage_id", "currency").annotate(
            count=Count("pk"), total=Sum("amount")
        )
    }
    rows = deals_open_totals_by_stage(manager, owner=manager, team_ids=team_ids)
    assert {(r["stage_id"], r["currency"]): (r["count"], r["total"]) for r in rows} == expected
    positions = [(row["stage__position"], row["currency"]) for row in rows]
    assert positions == sorted(positions)


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_the_first_deals_per_stage_are_the_ones_the_window_chose(persona, request, crowded):
    user = request.getfixturevalue(persona)
    team_ids = policy.managed_team_ids(user) if persona == "manager" else None
    windowed = list(deals_open_first_per_stage(user, owner=user, per_stage=5, team_ids=team_ids))
    stages = sorted({deal.stage_id for deal in windowed})
    few = deals_open_first_per_stage(user, owner=user, per_stage=5, team_ids=team_ids,
                                     stage_ids=stages)  # fmt: skip
    assert [deal.pk for deal in few] == [deal.pk for deal in windowed]


@pytest.mark.parametrize(("persona", "scope"), [("rep", ""), ("manager", "team"),
                                                ("manager", "mine")])  # fmt: skip
def test_my_day_shows_what_reading_everything_showed(persona, scope, request, crowded):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(DAY, {"scope": scope} if scope else {})
    context = response.context
    team_ids = policy.managed_team_ids(user) if scope == "team" else None
    needing = deals_needing_next_step(user, owner=user, team_ids=team_ids)
    assert [d.pk for d in context["needing_next_step"]] == [d.pk for d in needing[:20]]
    assert context["needing_more"] == (needing.count() > NEXT_STEP_LIMIT)
    if team_ids:
        agenda = activities_agenda_of_teams(user, team_ids=team_ids)
    else:
        agenda = {
            "overdue": Activity.objects.filter(owner=user, done_at=None, due_at__lt=NOON.replace(
                hour=0)).order_by("due_at"),
            "today": Activity.objects.filter(owner=user, done_at=None, due_at__gte=NOON.replace(
                hour=0), due_at__lt=NOON.replace(hour=0) + dt.timedelta(days=1)).order_by("due_at"),
        }  # fmt: skip
    for name in ("overdue", "today"):
        shown = [activity.due_at for activity in context[name]]
        assert shown == [activity.due_at for activity in agenda[name][:AGENDA_LIMIT]]
    counts = {card["stage_id"]: card["count"] for card in context["stages"]}
    readable = deals_visible_to(user).filter(outcome=Outcome.OPEN)
    mine = readable.filter(Q(owner=user) | Q(team_id__in=team_ids or []))
    assert sum(counts.values()) == context["open_count"] == mine.count()
    for card in context["stages"]:
        assert [deal.stage_id for deal in card["deals"]] == [card["stage_id"]] * len(card["deals"])
        assert len(card["deals"]) == min(5, card["count"])


@pytest.mark.parametrize(("persona", "scope"), [("rep", ""), ("manager", "team")])
def test_my_day_reads_the_same_queries_with_more_work(persona, scope, request, rep, teammate,
                                                      manager, outsider):  # fmt: skip
    user = request.getfixturevalue(persona)
    client = client_for(user)
    query = {"scope": scope} if scope else {}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DAY, query).status_code == 200
        return len(captured)

    _work(manager, rep, teammate, outsider, deals=8, calls=8)
    client.get(DAY, query)
    few = queries()
    _work(manager, rep, teammate, outsider, deals=60, calls=120)
    assert queries() == few <= 9
