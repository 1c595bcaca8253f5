"""My day for a manager: their team's open deals and due activities too (sub-teams included),
or only their own with the "Mine / My team" toggle, which is remembered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.users.models import Role
from salesflow.users.services import team_parent_set
from tests.factories import ActivityFactory, DealFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = reverse("pages:dashboard")
NOON = dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def noon(time_machine):
    time_machine.move_to(NOON)


@pytest.fixture
def team_work(manager, rep, outsider, north, admin_user):
    """Deals and calls of the manager, a rep of theirs, a rep of their desk, and of South."""
    desk = TeamFactory(name="North inbound")
    team_parent_set(desk, parent=north, acting_user=admin_user)
    desk_rep = UserFactory(username="desk-rep", role=Role.REP, team=desk, first_name="Dee",
                           last_name="Desk")  # fmt: skip
    for owner, label in ((manager, "Manager"), (rep, "Rep"), (desk_rep, "Desk"),
                         (outsider, "South")):  # fmt: skip
        deal = DealFactory(owner=owner, name=f"{label} deal")
        ActivityFactory(owner=owner, deal=deal, subject=f"{label} late call",
                        due_at=NOON - dt.timedelta(days=1))  # fmt: skip
        ActivityFactory(owner=owner, deal=deal, subject=f"{label} call today",
                        due_at=NOON + dt.timedelta(hours=2))  # fmt: skip


def deal_names(response) -> set[str]:
    return {deal.name for card in response.context["stages"] for deal in card["deals"]}


def subjects(response, when: str) -> set[str]:
    return {activity.subject for activity in response.context[when]}


def test_a_manager_sees_the_teams_deals_and_agenda_by_default(manager, team_work):
    response = client_for(manager).get(DAY)
    assert response.context["scope"] == "team"
    assert deal_names(response) == {"Manager deal", "Rep deal", "Desk deal"}
    assert subjects(response, "overdue") == {"Manager late call", "Rep late call",
                                             "Desk late call"}  # fmt: skip
    assert subjects(response, "today") == {"Manager call today", "Rep call today",
                                           "Desk call today"}  # fmt: skip
    content = response.content.decode()
    assert "My team's open deals" in content
    assert "Dee Desk" in content  # whose deal or call it is
    assert 'aria-current="page">My team</a>' in content


def test_mine_shows_only_the_managers_own(manager, team_work):
    response = client_for(manager).get(DAY, {"scope": "mine"})
    assert deal_names(response) == {"Manager deal"}
    assert subjects(response, "overdue") == {"Manager late call"}
    assert subjects(response, "today") == {"Manager call today"}
    assert "My open deals" in response.content.decode()


def test_the_choice_is_remembered(manager, team_work):
    client = client_for(manager)
    client.get(DAY, {"scope": "mine"})
    assert deal_names(client.get(DAY)) == {"Manager deal"}
    client.get(DAY, {"scope": "team"})
    assert "Rep deal" in deal_names(client.get(DAY))


def test_team_stage_counts_and_links_cover_the_team(manager, north, team_work):
    response = client_for(manager).get(DAY)
    card = next(iter(response.context["stages"]))
    assert card["count"] == 3
    assert f"&team={north.pk}&outcome=open" in response.content.decode()


def test_a_rep_has_no_toggle_and_sees_only_their_own(rep_client, team_work):
    response = rep_client.get(DAY, {"scope": "team"})
    assert response.context["scope"] == "mine"
    assert deal_names(response) == {"Rep deal"}
    assert subjects(response, "overdue") == {"Rep late call"}
    assert "My team</a>" not in response.content.decode()


def test_the_team_view_never_shows_what_the_manager_may_not_read(manager, outsider, team_work):
    response = client_for(manager).get(DAY)
    assert "South deal" not in deal_names(response)
    assert "South late call" not in subjects(response, "overdue")


@pytest.mark.parametrize("rows", [3, 15])
def test_team_view_query_count_does_not_grow(manager, rep, rows, django_assert_max_num_queries):
    for index in range(rows):
        deal = DealFactory(owner=rep)
        ActivityFactory(owner=rep, deal=deal, due_at=NOON - dt.timedelta(hours=index + 1))
    client = client_for(manager)
    client.get(DAY)
    with django_assert_max_num_queries(9):  # +1: deals needing a next step
        assert client.get(DAY).status_code == 200


def test_deals_needing_a_next_step_follow_the_mine_or_team_choice(manager, team_work):
    # Every deal of team_work has an overdue call: each needs its next step.
    client = client_for(manager)
    team = client.get(DAY, {"scope": "team"}).context["needing_next_step"]
    assert {deal.name for deal in team} == {"Manager deal", "Rep deal", "Desk deal"}
    mine = client.get(DAY, {"scope": "mine"}).context["needing_next_step"]
    assert [deal.name for deal in mine] == ["Manager deal"]
