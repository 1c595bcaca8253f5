"""The saved views API: /api/v1/saved-views."""

from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.listviews.models import SavedView
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def _create(user, **body):
    data = {"list_key": "deal", "name": "Big ones", "query": "q=Acme&page=2"} | body
    return ApiClient(user).post("/saved-views", data)


def test_create_read_and_apply_the_query_to_the_list_endpoint(rep):
    DealFactory(owner=rep, name="Acme renewal")
    DealFactory(owner=rep, name="Other")
    response = _create(rep, columns=["region"], visibility="team")
    assert response.status_code == 201, response.content
    view = response.json()
    assert view["query"] == "q=Acme" and view["list_key"] == "deal"
    assert view["columns"] == ["region"] and view["visibility"] == "team"
    deals = ApiClient(rep).get(f"/deals?{view['query']}").json()
    assert [d["name"] for d in deals["items"]] == ["Acme renewal"]


def test_a_duplicate_name_answers_422_naming_the_name(rep):
    _create(rep)
    response = _create(rep, name="Big ones")
    assert invalid_fields(response) == {"name"}
    assert invalid_fields(_create(rep, list_key="planets")) == {"list_key"}


def test_list_is_filtered_by_list_and_by_access(rep, teammate, manager, outsider):
    _create(rep, name="Mine private")
    _create(rep, name="Mine shared", visibility="team")
    _create(rep, name="Lead view", list_key="lead")
    _create(outsider, name="Theirs", visibility="team")

    def names(user, params=None):
        answer = ApiClient(user).get("/saved-views", params).json()
        return {item["name"] for item in answer["items"]}

    assert names(rep, {"list": "deal"}) == {"Mine private", "Mine shared"}
    assert names(teammate) == {"Mine shared"}
    assert names(manager) == {"Mine private", "Mine shared", "Lead view"}
    assert names(outsider) == {"Theirs"}


def test_a_teammate_may_read_a_shared_view_but_not_change_or_delete_it(rep, teammate, manager):
    view_id = _create(rep, visibility="team").json()["id"]
    api = ApiClient(teammate)
    assert api.get(f"/saved-views/{view_id}").status_code == 200
    assert api.patch(f"/saved-views/{view_id}", {"name": "Hijacked"}).status_code == 403
    assert api.delete(f"/saved-views/{view_id}").status_code == 403
    assert SavedView.objects.get(pk=view_id).name == "Big ones"
    boss = ApiClient(manager)
    assert boss.patch(f"/saved-views/{view_id}", {"name": "Checked"}).status_code == 200
    assert boss.delete(f"/saved-views/{view_id}").status_code == 204
    assert not SavedView.objects.filter(pk=view_id).exists()


def test_a_private_view_of_someone_else_is_not_found(rep, teammate):
    view_id = _create(rep).json()["id"]
    assert ApiClient(teammate).get(f"/saved-views/{view_id}").status_code == 404


def test_sharing_without_a_team_is_refused_naming_visibility(db):
    from tests.factories import UserFactory

    loner = UserFactory(username="loner", role="rep")
    assert invalid_fields(_create(loner, visibility="team")) == {"visibility"}


def test_listing_stays_within_its_query_budget(rep, django_assert_max_num_queries):
    for number in range(10):
        _create(rep, name=f"View {number}")
    api = ApiClient(rep)
    with django_assert_max_num_queries(8):
        assert api.get("/saved-views").json()["count"] == 10
