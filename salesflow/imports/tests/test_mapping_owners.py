"""Saved mappings are owned records (issue #14, point 4): an owner, a team and a visibility,
read and changed through `users.policy` like any other record; a name that belongs to a mapping
someone may not change is refused, never taken over."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from conftest import client_for
from salesflow.api.tests.conftest import ApiClient
from salesflow.imports.models import ImportJob, ImportMapping
from salesflow.imports.selectors import import_mappings_for
from salesflow.imports.services import import_mapping_save, import_mapping_update
from salesflow.imports.tests.test_views import LEADS_CSV, csv_file, draft_of, upload, url
from salesflow.users.models import Role, Visibility
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name"},
    "defaults": {"source": "other"},
}
OTHER = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "last_name"},
    "defaults": {"source": "webinar"},
}


def saved(user, name="Fair leads", visibility=None, definition=MAPPING):
    return import_mapping_save(
        user=user, name=name, kind="leads", definition=definition, visibility=visibility
    )


def state(mapping):
    """What a refused write must leave as it was."""
    mapping = ImportMapping.objects.get(pk=mapping.pk)
    return (
        mapping.name,
        mapping.kind,
        mapping.definition,
        mapping.owner_id,
        mapping.team_id,
        mapping.visibility,
    )


# -- saving -------------------------------------------------------------------------------------


def test_a_new_mapping_is_its_savers_shared_with_their_team(rep, north):
    mapping = saved(rep)

    assert (mapping.owner, mapping.team, mapping.visibility) == (rep, north, Visibility.TEAM)
    assert mapping.created_by == rep


def test_saving_under_a_name_someone_else_owns_is_refused_and_changes_nothing(rep, outsider):
    mapping = saved(rep, visibility=Visibility.EVERYONE)
    before = state(mapping)

    with pytest.raises(ValidationError) as refused:
        saved(outsider, definition=OTHER)

    assert refused.value.message_dict == {
        "name": [
            "A mapping named 'Fair leads' already exists and belongs to "
            f"{rep}: choose another name."
        ]
    }
    assert state(mapping) == before
    assert ImportMapping.objects.count() == 1


def test_a_teammate_may_not_take_over_a_private_mapping(rep, teammate):
    mapping = saved(rep, visibility=Visibility.PRIVATE)
    before = state(mapping)

    with pytest.raises(ValidationError, match="belongs to"):
        saved(teammate, definition=OTHER)

    assert state(mapping) == before


@pytest.mark.parametrize("writer", ["rep", "teammate", "manager", "admin_user"])
def test_the_owner_the_team_its_manager_and_an_admin_may_replace_it(writer, request, rep):
    mapping = saved(rep)
    user = request.getfixturevalue(writer)

    replaced = saved(user, definition=OTHER)

    assert replaced.pk == mapping.pk
    assert replaced.definition["defaults"] == {"source": "webinar"}
    assert (replaced.owner, replaced.visibility) == (rep, Visibility.TEAM)  # still the owner's


def test_only_the_owner_or_a_manager_changes_who_sees_it(rep, teammate, manager):
    mapping = saved(rep)
    before = state(mapping)

    with pytest.raises(ValidationError) as refused:
        import_mapping_update(mapping, user=teammate, visibility=Visibility.PRIVATE)

    assert list(refused.value.message_dict) == ["visibility"]
    assert state(mapping) == before
    assert import_mapping_update(mapping, user=manager, visibility="everyone").visibility == (
        "everyone"
    )
    assert import_mapping_update(mapping, user=rep, visibility="private").visibility == "private"


def test_renaming_to_a_taken_name_is_refused(rep, outsider):
    theirs = saved(outsider, name="Theirs")
    mine = saved(rep, name="Mine")

    with pytest.raises(ValidationError) as refused:
        import_mapping_update(mine, user=rep, name="Theirs")

    assert "belongs to" in refused.value.message_dict["name"][0]
    assert ImportMapping.objects.get(pk=mine.pk).name == "Mine"
    assert ImportMapping.objects.get(pk=theirs.pk).owner == outsider


# -- reading ------------------------------------------------------------------------------------


def test_each_user_reads_the_mappings_the_policy_lets_them(
    rep, teammate, manager, outsider, admin_user
):
    own_private = saved(rep, name="Private", visibility=Visibility.PRIVATE)
    team = saved(rep, name="Team")
    public = saved(outsider, name="Public", visibility=Visibility.EVERYONE)
    south_team = saved(outsider, name="South only")

    def names(user):
        return set(import_mappings_for(user).values_list("name", flat=True))

    assert names(rep) == {"Private", "Team", "Public"}
    assert names(teammate) == {"Team", "Public"}
    assert names(manager) == {"Private", "Team", "Public"}
    assert names(outsider) == {"Public", "South only"}
    assert names(admin_user) == {own_private.name, team.name, public.name, south_team.name}


def test_the_upload_picker_offers_only_readable_mappings(rep, outsider):
    saved(rep, name="North private", visibility=Visibility.PRIVATE)
    saved(outsider, name="South shared", visibility=Visibility.EVERYONE)
    hidden = saved(outsider, name="South team")
    client = client_for(rep)

    page = client.get(url("upload")).content.decode()
    picked = upload(client, csv_file(LEADS_CSV), saved_mapping=hidden.pk)

    assert "North private" in page and "South shared" in page
    assert "South team" not in page
    assert picked.status_code == 200
    assert "saved_mapping" in picked.context["form"].errors


def test_a_job_cannot_use_an_unreadable_mapping_by_id(rep, outsider):
    hidden = saved(outsider, name="South team")
    api = ApiClient(rep)

    response = api.client.post(
        "/api/v1/imports",
        {
            "kind": "leads",
            "mapping_id": hidden.pk,
            "file": csv_file("Email,Name\na@example.com,Ada\n"),
        },
        headers=api.headers,
    )

    assert response.status_code == 422
    assert "mapping_id" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_wizard_refuses_a_taken_name_next_to_the_field(rep, outsider):
    theirs = saved(outsider, name="Webinar export", visibility=Visibility.EVERYONE)
    before = state(theirs)
    client = client_for(rep)
    token = draft_of(upload(client, csv_file(LEADS_CSV)))
    form = client.get(url("map", token)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name.startswith("column_")}

    response = client.post(url("map", token), {**data, "save_as": "Webinar export"})

    assert response.status_code == 200
    errors = response.context["form"].errors["save_as"]
    assert errors == [
        "A mapping named 'Webinar export' already exists and belongs to "
        f"{outsider}: choose another name."
    ]
    assert state(theirs) == before


def test_the_wizard_saves_with_the_chosen_visibility(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_file(LEADS_CSV)))
    form = client.get(url("map", token)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name.startswith("column_")}

    response = client.post(
        url("map", token), {**data, "save_as": "Mine", "save_visibility": "private"}
    )

    assert response.status_code == 302
    mapping = ImportMapping.objects.get(name="Mine")
    assert (mapping.owner, mapping.visibility) == (rep, "private")


# -- the API ------------------------------------------------------------------------------------


def test_the_api_lists_only_readable_mappings(rep, outsider, django_assert_max_num_queries):
    saved(rep, name="Mine")
    saved(outsider, name="Theirs")
    saved(outsider, name="Shared", visibility=Visibility.EVERYONE)
    api = ApiClient(rep)

    with django_assert_max_num_queries(6):
        response = api.get("/imports/mappings")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert [item["name"] for item in body["items"]] == ["Mine", "Shared"]
    assert body["items"][0]["owner_id"] == rep.pk
    assert api.get("/imports/mappings", {"kind": "deals"}).json()["count"] == 0


def test_the_api_saves_and_refuses_a_taken_name(rep, outsider):
    created = ApiClient(rep).post(
        "/imports/mappings", {"name": "Fair", "kind": "leads", "definition": MAPPING}
    )
    assert created.status_code == 201, created.content
    mapping = ImportMapping.objects.get(pk=created.json()["id"])
    before = state(mapping)

    refused = ApiClient(outsider).post(
        "/imports/mappings", {"name": "Fair", "kind": "leads", "definition": OTHER}
    )
    replaced = ApiClient(rep).post(
        "/imports/mappings",
        {"name": "Fair", "kind": "leads", "definition": MAPPING, "visibility": "everyone"},
    )

    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "name"
    assert "belongs to" in refused.json()["detail"][0]["msg"]
    assert replaced.status_code == 200
    assert replaced.json()["visibility"] == "everyone"
    assert state(mapping)[:5] == before[:5]


def test_the_api_changes_a_mapping_only_for_its_writers(rep, teammate, manager, outsider):
    mapping = saved(rep, visibility=Visibility.EVERYONE)
    private = saved(rep, name="Private", visibility=Visibility.PRIVATE)
    before, private_before = state(mapping), state(private)

    by_outsider = ApiClient(outsider).patch(
        f"/imports/mappings/{mapping.pk}", {"definition": OTHER}
    )
    hidden = ApiClient(teammate).patch(f"/imports/mappings/{private.pk}", {"definition": OTHER})
    read = ApiClient(outsider).get(f"/imports/mappings/{mapping.pk}")

    assert by_outsider.status_code == 403
    assert hidden.status_code == 404
    assert read.status_code == 200 and read.json()["name"] == "Fair leads"
    assert state(mapping) == before
    assert state(private) == private_before
    read_only = ApiClient(teammate).patch(f"/imports/mappings/{mapping.pk}", {"definition": OTHER})
    assert read_only.status_code == 403  # shared with everyone: read only, even for the team
    changed = ApiClient(manager).patch(f"/imports/mappings/{mapping.pk}", {"definition": OTHER})
    assert changed.status_code == 200
    assert ImportMapping.objects.get(pk=mapping.pk).definition["defaults"] == {"source": "webinar"}


def test_a_rep_cannot_save_an_admins_kind_of_mapping(rep):
    response = ApiClient(rep).post(
        "/imports/mappings", {"name": "People", "kind": "users", "definition": {"x": [1]}}
    )

    assert response.status_code == 422
    assert "Only an admin" in response.content.decode()
    assert not ImportMapping.objects.exists()


# -- the migration ------------------------------------------------------------------------------


def test_the_migration_gives_existing_mappings_an_owner_and_team_visibility(rep, north):
    admin = UserFactory(username="boss", role=Role.ADMIN)
    by_rep = ImportMapping.objects.create(
        name="A", kind="leads", definition=MAPPING, created_by=rep
    )
    orphan = ImportMapping.objects.create(name="B", kind="leads", definition=MAPPING)
    ImportMapping.objects.update(visibility=Visibility.PRIVATE)
    migration = importlib.import_module("salesflow.imports.migrations.0005_importmapping_owner")

    migration.owners_fill(apps, None)

    by_rep.refresh_from_db()
    orphan.refresh_from_db()
    assert (by_rep.owner, by_rep.team, by_rep.visibility) == (rep, north, "team")
    assert (orphan.owner, orphan.team, orphan.visibility) == (admin, None, "team")


def test_the_api_names_a_bad_definition_and_saves_nothing(rep):
    response = ApiClient(rep).post(
        "/imports/mappings",
        {"name": "Bad", "kind": "leads", "definition": {"columns": {"Email": "no_such_field"}}},
    )

    assert response.status_code == 422
    assert {item["loc"][-1] for item in response.json()["detail"]} == {"definition"}
    assert not ImportMapping.objects.exists()
