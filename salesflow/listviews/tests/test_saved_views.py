"""Saved views: saving a list's filters, sort and columns, applying, sharing and the rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import client_for
from salesflow.customfields.models import CustomField
from salesflow.listviews.models import SavedView
from salesflow.listviews.services import (
    saved_view_create,
    saved_view_delete,
    saved_view_update,
)
from tests.factories import DealFactory, LeadFactory, stage_named

pytestmark = pytest.mark.django_db


def _view(user, **kwargs):
    data = {"list_key": "deal", "name": "Big ones", "query": "q=Acme"} | kwargs
    return saved_view_create(acting_user=user, **data)


def test_saving_normalizes_the_query_and_keeps_sort_and_columns_apart(rep):
    view = _view(rep, query="page=3&q=Acme&view=9&columns=a&owner=&outcome=open", sort="score")
    assert view.query == "outcome=open&q=Acme"
    assert view.sort == "score" and view.team == rep.teams.first()


def test_a_name_is_unique_per_owner_and_list_naming_the_field(rep, teammate):
    _view(rep)
    with pytest.raises(ValidationError) as error:
        _view(rep, name="big ones")
    assert "already have a view named" in error.value.message_dict["name"][0]
    _view(teammate)  # another owner may use the name
    _view(rep, list_key="lead")  # and so may another list
    assert SavedView.objects.count() == 3


def test_an_unknown_list_is_refused_naming_it(rep):
    with pytest.raises(ValidationError) as error:
        _view(rep, list_key="planets")
    assert "list_key" in error.value.message_dict


def test_only_the_owner_the_teams_manager_or_an_admin_change_a_shared_view(
    rep, teammate, manager, admin_user, outsider
):
    view = _view(rep, visibility="team")
    for intruder in (teammate, outsider):
        with pytest.raises(PermissionDenied):
            saved_view_update(view, acting_user=intruder, name="Mine now")
        with pytest.raises(PermissionDenied):
            saved_view_delete(view, acting_user=intruder)
    view.refresh_from_db()
    assert view.name == "Big ones"
    saved_view_update(view, acting_user=manager, name="Checked by manager")
    saved_view_update(view, acting_user=admin_user, visibility="private")
    view.refresh_from_db()
    assert (view.name, view.visibility) == ("Checked by manager", "private")


def test_the_bar_shows_own_and_team_shared_views_only(rep, teammate, outsider):
    _view(teammate, name="Team pipeline", visibility="team")
    _view(teammate, name="Teammate private")
    _view(outsider, name="Other team", visibility="team")
    _view(rep, name="My own")
    body = client_for(rep).get(reverse("pipeline:deal-list")).content.decode()
    assert "Team pipeline" in body and "My own" in body
    assert "Teammate private" not in body and "Other team" not in body


def test_saving_from_the_list_and_applying_reopens_the_same_filters(rep):
    won = DealFactory(owner=rep, name="Won Acme")
    other = DealFactory(owner=rep, name="Other thing")
    client = client_for(rep)
    response = client.post(
        reverse("customers:saved-view-save"),
        {"list": "deal", "name": "Acme only", "query": "q=Acme", "visibility": "team"},
    )
    view = SavedView.objects.get(name="Acme only")
    assert response.status_code == 302 and f"view={view.pk}" in response["Location"]
    page = client.get(reverse("customers:saved-view-apply", args=[view.pk]), follow=True)
    body = page.content.decode()
    assert won.name in body and other.name not in body
    assert 'aria-current="true"' in body


def test_a_filter_that_no_longer_exists_is_dropped_with_a_message_naming_it(rep):
    field = CustomField.objects.create(
        kind="deal", key="region", label="Region", type="text", show_in_list=True
    )
    stage = stage_named("Qualification")
    view = _view(rep, query=f"custom.region=north&stage={stage.pk}&q=Acme")
    field.archived_at = field.created_at
    field.save()
    stage_pk = stage.pk
    # A stage removed from the list's choices: an id no stage has.
    view.query = f"custom.region=north&stage={stage_pk + 999}&q=Acme"
    view.save()
    response = client_for(rep).get(
        reverse("customers:saved-view-apply", args=[view.pk]), follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "custom.region" in body and "no longer exists" in body
    assert "“Stage” no longer applies" in body
    url = response.redirect_chain[-1][0]
    assert "q=Acme" in url and "custom.region" not in url and "stage=" not in url


def test_columns_of_a_view_choose_the_custom_columns(rep):
    CustomField.objects.create(kind="deal", key="region", label="Sales region", type="text")
    CustomField.objects.create(
        kind="deal", key="segment", label="Market segment", type="text", show_in_list=True
    )
    deal = DealFactory(owner=rep, name="Acme")
    deal.custom = {"region": "Nordics"}
    deal.save()
    client = client_for(rep)
    default = client.get(reverse("pipeline:deal-list")).content.decode()
    assert "Market segment" in default and "Sales region</th>" not in default
    view = _view(rep, query="", columns=["region"])
    body = client.get(
        reverse("customers:saved-view-apply", args=[view.pk]), follow=True
    ).content.decode()
    assert "Sales region</th>" in body and "Nordics" in body and "Market segment</th>" not in body


def test_lead_views_keep_the_sort(rep):
    LeadFactory(owner=rep)
    view = _view(rep, list_key="lead", query="status=new", sort="newest")
    response = client_for(rep).get(reverse("customers:saved-view-apply", args=[view.pk]))
    assert "sort=newest" in response["Location"] and "status=new" in response["Location"]


def test_renaming_and_deleting_from_the_bar(rep, teammate):
    view = _view(rep, visibility="team")
    client = client_for(rep)
    refused = client_for(teammate).post(
        reverse("customers:saved-view-edit", args=[view.pk]), {"name": "Hijacked"}
    )
    assert refused.status_code == 403
    view.refresh_from_db()
    assert view.name == "Big ones"
    client.post(reverse("customers:saved-view-edit", args=[view.pk]), {"name": "Renamed"})
    view.refresh_from_db()
    assert view.name == "Renamed"
    assert (
        client_for(teammate)
        .post(reverse("customers:saved-view-delete", args=[view.pk]))
        .status_code
        == 403
    )
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.post(reverse("customers:saved-view-delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_private_view_of_a_teammate_is_not_found(rep, teammate):
    view = _view(teammate)
    response = client_for(rep).get(reverse("customers:saved-view-apply", args=[view.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url_name", ["pipeline:deal-list", "leads:lead-list", "customers:account-list",
                 "customers:contact-list", "activities:activity-list"],
)  # fmt: skip
def test_every_list_has_the_views_bar(rep, url_name):
    body = client_for(rep).get(reverse(url_name)).content.decode()
    assert "Save current view as" in body


def test_the_deal_list_stays_within_its_query_budget_with_views(rep, django_assert_max_num_queries):
    for number in range(5):
        _view(rep, name=f"View {number}", visibility="team")
        DealFactory(owner=rep)
    client = client_for(rep)
    with django_assert_max_num_queries(20):
        client.get(reverse("pipeline:deal-list"))


def test_my_default_view_opens_when_the_list_is_opened_bare_and_all_leaves_it(rep, teammate):
    DealFactory(owner=rep, name="Acme cranes")
    DealFactory(owner=rep, name="Other thing")
    mine = _view(rep, name="Acme only", query="q=Acme", is_default=True)
    # A teammate's default shared with the team is theirs, not mine.
    _view(teammate, name="Nothing", query="q=zzz", visibility="team", is_default=True)
    client = client_for(rep)

    opened = client.get(reverse("pipeline:deal-list"), follow=True)
    body = opened.content.decode()
    assert opened.redirect_chain[-1][0].endswith(f"q=Acme&view={mine.pk}")
    assert "Acme cranes" in body and "Other thing" not in body

    everything = client.get(reverse("pipeline:deal-list") + "?view=").content.decode()
    assert "Acme cranes" in everything and "Other thing" in everything

    saved_view_update(mine, acting_user=rep, is_default=False)
    assert client.get(reverse("pipeline:deal-list")).status_code == 200
