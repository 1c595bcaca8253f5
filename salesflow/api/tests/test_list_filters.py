"""The API's deal and lead lists narrowed by team, created and closed days and industry, and
GET /users to look up owner ids. Filters never widen; bad input answers 422 naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.leads.models import Lead, LeadStatus
from salesflow.pipeline.models import Deal, Outcome
from salesflow.users.models import Role, Visibility
from salesflow.users.services import team_parent_set
from tests.factories import (
    AccountFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    UserFactory,
    stage_named,
)

pytestmark = pytest.mark.django_db


def moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def inbound(north, admin_user):
    desk = TeamFactory(name="North inbound")
    team_parent_set(desk, parent=north, acting_user=admin_user)
    return desk


@pytest.fixture
def desk_rep(inbound):
    return UserFactory(username="desk-rep", role=Role.REP, team=inbound, first_name="Dee",
                       last_name="Desk")  # fmt: skip


@pytest.fixture
def deals(rep, desk_rep, outsider):
    north = DealFactory(owner=rep, account=AccountFactory(owner=rep, industry="Banking"))
    desk = DealFactory(owner=desk_rep, visibility=Visibility.PRIVATE)
    south_private = DealFactory(owner=outsider, visibility=Visibility.PRIVATE)
    south_shared = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    return {"north": north.pk, "desk": desk.pk, "south_private": south_private.pk,
            "south_shared": south_shared.pk}  # fmt: skip


# Deals


def test_deals_by_parent_team_include_sub_teams(api_as, manager, north, deals):
    response = api_as(manager).get("/deals", {"team_id": north.pk})
    assert ids(response) == {deals["north"], deals["desk"]}
    assert response.json()["count"] == 2


def test_deals_team_filter_never_widens(api_as, manager, rep, south, deals):
    assert ids(api_as(manager).get("/deals", {"team_id": south.pk})) == {deals["south_shared"]}
    assert ids(api_as(rep).get("/deals", {"team_id": south.pk})) == {deals["south_shared"]}


def test_deals_by_created_and_closed_days_and_industry(api_as, rep, deals):
    Deal.objects.filter(pk=deals["north"]).update(created_at=moment(dt.date(2026, 1, 10)))
    won = DealFactory(owner=rep)
    Deal.objects.filter(pk=won.pk).update(
        outcome=Outcome.WON, stage=stage_named("Won"), closed_on=dt.date(2026, 2, 27),
        closed_at=moment(dt.date(2026, 3, 1)),
    )  # fmt: skip
    client = api_as(rep)
    assert ids(client.get("/deals", {"created_to": "2026-01-10"})) == {deals["north"]}
    feb = {"closed_from": "2026-02-01", "closed_to": "2026-02-28"}
    assert ids(client.get("/deals", feb)) == {won.pk}
    assert ids(client.get("/deals", {"industry": "banking"})) == {deals["north"]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"created_from": "10.01.2026"}, "created_from"),
        ({"closed_to": "2026-02-30"}, "closed_to"),
        ({"closed_from": "2026-03-01", "closed_to": "2026-02-01"}, "closed_from"),
        ({"created_from": "2026-03-01", "created_to": "2026-02-01"}, "created_from"),
        ({"team_id": 999999}, "team_id"),
    ],
)
@pytest.mark.parametrize("path", ["/deals", "/leads"])
def test_bad_filters_answer_422_naming_the_parameter(api_as, rep, path, query, field):
    response = api_as(rep).get(path, query)
    assert invalid_fields(response) == {field}
    assert all(error["loc"][0] == "query" for error in response.json()["detail"])


def test_deal_list_queries_stay_constant_with_a_team_filter(
    api_as, manager, north, deals, django_assert_max_num_queries
):
    client = api_as(manager)
    client.get("/deals")  # the token's first use writes its last-used time
    for _ in range(5):
        DealFactory(owner=manager)
    # The token, the user, the manager's teams, the team tree (twice: checked, then applied),
    # the page and the count.
    with django_assert_max_num_queries(8):
        response = client.get("/deals", {"team_id": north.pk, "created_from": "2000-01-01"})
    assert response.json()["count"] == 7


# Leads


def test_leads_by_team_days_and_industry(api_as, manager, rep, north, south, outsider, desk_rep):
    north_lead = LeadFactory(owner=rep, industry="Banking")
    desk_lead = LeadFactory(owner=desk_rep, visibility=Visibility.PRIVATE)
    LeadFactory(owner=outsider, visibility=Visibility.PRIVATE)
    converted = LeadFactory(owner=rep)
    Lead.objects.filter(pk=converted.pk).update(
        status=LeadStatus.CONVERTED, converted_at=moment(dt.date(2026, 4, 2))
    )
    client = api_as(manager)
    assert ids(client.get("/leads", {"team_id": north.pk})) == {
        north_lead.pk, desk_lead.pk, converted.pk,
    }  # fmt: skip
    assert ids(client.get("/leads", {"team_id": south.pk})) == set()
    april = {"closed_from": "2026-04-01", "closed_to": "2026-04-30"}
    assert ids(client.get("/leads", april)) == {converted.pk}
    assert ids(client.get("/leads", {"industry": "BANKING"})) == {north_lead.pk}


# Users


def test_users_lists_the_people_a_rep_may_see_with_roles_and_teams(
    api_as, rep, teammate, manager, outsider, north
):
    response = api_as(rep).get("/users")
    assert response.status_code == 200
    body = response.json()
    assert [item["username"] for item in body["items"]] == ["manager", "rep", "teammate"]
    assert body["count"] == 3
    item = next(item for item in body["items"] if item["username"] == "manager")
    assert item["role"] == "manager" and item["is_active"] is True
    assert item["teams"] == [{"id": north.pk, "name": "North", "parent_id": None}]
    assert item["full_name"] == manager.get_full_name()


def test_users_for_a_manager_include_the_sub_teams(api_as, manager, rep, desk_rep, outsider):
    names = [item["username"] for item in api_as(manager).get("/users").json()["items"]]
    assert "desk-rep" in names and "rep" in names and "outsider" not in names


def test_users_for_an_admin_are_everyone(api_as, admin_user, rep, outsider):
    names = {item["username"] for item in api_as(admin_user).get("/users").json()["items"]}
    assert {"admin", "rep", "outsider"} <= names


def test_users_are_paged_and_filtered(api_as, admin_user, rep, teammate, manager, north, desk_rep):
    client = api_as(admin_user)
    first = client.get("/users", {"limit": 2, "offset": 0}).json()
    second = client.get("/users", {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 5
    assert len(first["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    by_team = client.get("/users", {"team_id": north.pk, "role": "rep"}).json()["items"]
    assert [item["username"] for item in by_team] == ["desk-rep", "rep", "teammate"]
    assert [i["username"] for i in client.get("/users", {"q": "dee"}).json()["items"]] == [
        "desk-rep"
    ]


def test_users_bad_filters_answer_422(api_as, rep):
    assert invalid_fields(api_as(rep).get("/users", {"team_id": 999999})) == {"team_id"}
    assert invalid_fields(api_as(rep).get("/users", {"role": "boss"})) == {"role"}
    assert invalid_fields(api_as(rep).get("/users", {"limit": 0})) == {"limit"}


def test_users_need_a_token(client):
    assert client.get("/api/v1/users").status_code == 401


def test_users_take_a_constant_number_of_queries(api_as, admin_user, django_assert_max_num_queries):
    client = api_as(admin_user)
    client.get("/users")
    for n in range(12):
        UserFactory(team=TeamFactory(name=f"Team {n % 3}"))
    with django_assert_max_num_queries(5):
        response = client.get("/users")
    assert response.json()["count"] == 13


def test_users_route_is_documented(api_as, rep):
    from salesflow.api.api import api

    schema = api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/users"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "role", "team_id", "limit"}
    deals = schema["paths"]["/api/v1/deals"]["get"]
    assert {p["name"] for p in deals["parameters"]} >= {
        "team_id", "created_from", "created_to", "closed_from", "closed_to", "industry",
    }  # fmt: skip
