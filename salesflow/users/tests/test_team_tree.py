"""Teams under teams: a manager of a parent team (a regional office, a region) manages the
teams below it, through every selector, page and API route; siblings stay apart."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from salesflow.core.errors import AccessDenied
from salesflow.leads.models import Lead
from salesflow.users import policy
from salesflow.users.models import Role, Team, Visibility
from salesflow.users.services import team_parent_set, token_create
from tests.factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def region(admin_user):
    """Region West > office Lyon > desk Lyon inbound; office Nantes beside Lyon."""
    west = TeamFactory(name="West")
    lyon = TeamFactory(name="Lyon")
    nantes = TeamFactory(name="Nantes")
    desk = TeamFactory(name="Lyon inbound")
    team_parent_set(lyon, parent=west, acting_user=admin_user)
    team_parent_set(nantes, parent=west, acting_user=admin_user)
    team_parent_set(desk, parent=lyon, acting_user=admin_user)
    return {"west": west, "lyon": lyon, "nantes": nantes, "desk": desk}


def _private_lead_of_desk_rep(region):
    desk_rep = UserFactory(username="desk-rep", role=Role.REP, team=region["desk"])
    return LeadFactory(owner=desk_rep, visibility=Visibility.PRIVATE, last_name="Deskrecord")


def _api(user):
    _token, key = token_create(user=user)
    client = client_for(user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def test_a_manager_of_a_parent_team_reads_and_changes_a_sub_teams_private_record(region):
    lead = _private_lead_of_desk_rep(region)
    regional = UserFactory(username="regional", role=Role.MANAGER, team=region["west"])
    page = client_for(regional)

    assert page.get(reverse("leads:lead-detail", args=[lead.pk])).status_code == 200
    assert page.get(reverse("leads:lead-edit", args=[lead.pk])).status_code == 200
    assert "Deskrecord" in page.get(reverse("leads:lead-list")).content.decode()
    response = _api(regional).patch(
        f"/api/v1/leads/{lead.pk}", {"title": "Buyer"}, content_type="application/json"
    )
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.title == "Buyer"


def test_a_manager_of_a_sibling_team_neither_reads_nor_changes_it(region):
    lead = _private_lead_of_desk_rep(region)
    sibling = UserFactory(username="nantes-manager", role=Role.MANAGER, team=region["nantes"])
    page = client_for(sibling)

    assert page.get(reverse("leads:lead-detail", args=[lead.pk])).status_code == 404
    assert "Deskrecord" not in page.get(reverse("leads:lead-list")).content.decode()
    response = _api(sibling).patch(
        f"/api/v1/leads/{lead.pk}", {"title": "Buyer"}, content_type="application/json"
    )
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.title != "Buyer"


def test_a_rep_of_a_parent_team_does_not_reach_the_sub_teams_records(region):
    lead = LeadFactory(
        owner=UserFactory(username="desk-rep", team=region["desk"]), visibility=Visibility.TEAM
    )
    west_rep = UserFactory(username="west-rep", role=Role.REP, team=region["west"])

    assert not Lead.objects.filter(policy.readable_q(west_rep), pk=lead.pk).exists()


def test_the_manager_of_a_parent_team_may_assign_records_to_sub_team_reps(region):
    desk_rep = UserFactory(username="desk-rep", team=region["desk"])
    outsider = UserFactory(username="south-rep", team=TeamFactory(name="South"))
    regional = UserFactory(username="regional", role=Role.MANAGER, team=region["west"])

    people = set(policy.users_visible_to(regional).values_list("username", flat=True))

    assert "desk-rep" in people and desk_rep.pk
    assert outsider.username not in people


def test_the_teams_of_a_manager_are_found_in_one_query_whatever_the_depth(admin_user):
    teams = [TeamFactory(name="Level 0")]
    for depth in range(1, 8):
        teams.append(TeamFactory(name=f"Level {depth}"))
        team_parent_set(teams[-1], parent=teams[-2], acting_user=admin_user)
    manager = UserFactory(username="top", role=Role.MANAGER, team=teams[0])

    with CaptureQueriesContext(connection) as queries:
        assert policy.managed_team_ids(manager) == sorted(t.pk for t in teams)
        policy.managed_team_ids(manager)  # cached for the request
    assert len(queries) == 1


def _lead_list_queries(admin_user, depth: int) -> int:
    top = TeamFactory(name=f"Top {depth}")
    bottom = top
    for level in range(depth):
        team = TeamFactory(name=f"Depth {depth} level {level}")
        team_parent_set(team, parent=bottom, acting_user=admin_user)
        bottom = team
    rep = UserFactory(username=f"rep-{depth}", team=bottom)
    LeadFactory.create_batch(3, owner=rep, visibility=Visibility.PRIVATE, last_name=f"Deep{depth}")
    manager = UserFactory(username=f"manager-{depth}", role=Role.MANAGER, team=top)
    client = client_for(manager)
    client.get(reverse("leads:lead-list"))  # warm caches (site settings, custom fields)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("leads:lead-list"))
    assert f"Deep{depth}" in response.content.decode()
    return len(queries)


def test_the_query_count_of_a_list_page_does_not_grow_with_the_depth_of_the_tree(admin_user):
    assert _lead_list_queries(admin_user, 1) == _lead_list_queries(admin_user, 6)


def test_a_team_cannot_be_put_under_a_team_below_it(region, admin_user):
    with pytest.raises(ValidationError) as refused:
        team_parent_set(region["west"], parent=region["desk"], acting_user=admin_user)

    assert "cycle" in refused.value.message_dict["parent"][0]
    assert "West → Lyon → Lyon inbound" in refused.value.message_dict["parent"][0]
    region["west"].refresh_from_db()
    assert region["west"].parent is None


def test_a_team_cannot_be_its_own_parent(region, admin_user):
    with pytest.raises(ValidationError):
        team_parent_set(region["lyon"], parent=region["lyon"], acting_user=admin_user)

    assert Team.objects.get(name="Lyon").parent == region["west"]


def test_only_an_admin_may_change_the_tree(region, manager):
    with pytest.raises(AccessDenied):
        team_parent_set(region["nantes"], parent=None, acting_user=manager)

    assert Team.objects.get(name="Nantes").parent == region["west"]


def test_the_admin_site_sets_a_parent_team_but_never_a_cycle(admin_user):
    from conftest import client_for
    from salesflow.users.models import Team

    west = Team.objects.create(name="West")
    lyon = Team.objects.create(name="Lyon")
    client = client_for(admin_user)
    moved = client.post(f"/admin/users/team/{lyon.pk}/change/", {"name": "Lyon", "parent": west.pk})
    assert moved.status_code == 302
    lyon.refresh_from_db()
    assert lyon.parent == west

    cycle = client.post(f"/admin/users/team/{west.pk}/change/", {"name": "West", "parent": lyon.pk})
    assert "would form a cycle" in cycle.content.decode()
    west.refresh_from_db()
    assert west.parent is None
