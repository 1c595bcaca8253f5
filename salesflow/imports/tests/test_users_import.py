"""The users and teams import: people with their roles and teams, teams with their parents."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import client_for
from salesflow.imports.models import ImportJob, ImportStatus
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from salesflow.users.models import Role, Team, User
from salesflow.users.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAPPING = {
    "kind": "users",
    "columns": {
        "Login": "username",
        "Name": "full_name",
        "E-mail": "email",
        "Profile": "role",
        "Office": "team",
        "Region": "parent_team",
        "Active": "is_active",
    },
    "values": {"role": {"Sales Manager": "manager", "Account Executive": "rep"}},
}
HEADER = "Login,Name,E-mail,Profile,Office,Region,Active\n"
PEOPLE = (
    HEADER
    + "amartin,Anne Martin,anne.martin@example.com,Sales Manager,West,,yes\n"
    + "bdupont,Bruno Dupont,bruno.dupont@example.com,Sales Manager,Lyon,West,yes\n"
    + "cleroy,Chloé Leroy,chloe.leroy@example.com,Account Executive,Lyon,West,yes\n"
    + "dpetit,David Petit,david.petit@example.com,Account Executive,Nantes,West,no\n"
)


def _users_csv(tmp_path, content: str = PEOPLE):
    path = tmp_path / "people.csv"
    path.write_text(content, encoding="utf-8")
    return path


def test_the_import_creates_teams_with_parents_and_users_with_roles_and_teams(admin_user):
    job = run_import(admin_user, PEOPLE, kind="users", mapping=MAPPING)

    assert errors_of(job) == []
    assert job.created_count == 4
    west, lyon = Team.objects.get(name="West"), Team.objects.get(name="Lyon")
    assert west.parent is None
    assert lyon.parent == west and Team.objects.get(name="Nantes").parent == west
    chloe = User.objects.get(username="cleroy")
    assert (chloe.first_name, chloe.last_name, chloe.email) == (
        "Chloé",
        "Leroy",
        "chloe.leroy@example.com",
    )
    assert chloe.role == Role.REP and list(chloe.teams.all()) == [lyon]
    assert User.objects.get(username="bdupont").role == Role.MANAGER
    assert not User.objects.get(username="dpetit").is_active
    assert not chloe.has_usable_password()


def test_a_second_import_of_the_same_file_changes_nothing(admin_user):
    run_import(admin_user, PEOPLE, kind="users", mapping=MAPPING)
    before = list(User.objects.order_by("pk").values())

    job = run_import(admin_user, PEOPLE, kind="users", mapping=MAPPING)

    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 4)
    assert list(User.objects.order_by("pk").values()) == before
    assert Team.objects.count() == 3


def test_a_re_import_updates_the_changed_fields_matching_by_username_then_email(admin_user):
    run_import(admin_user, PEOPLE, kind="users", mapping=MAPPING)
    changed = (
        HEADER
        + "cleroy,Chloé Leroy-Blanc,chloe.leroy@example.com,Sales Manager,Nantes,West,yes\n"
        + "david,David Petit,DAVID.PETIT@example.com,Account Executive,Nantes,West,yes\n"
    )

    job = run_import(admin_user, changed, kind="users", mapping=MAPPING)

    assert (job.created_count, job.updated_count) == (0, 2)
    chloe = User.objects.get(username="cleroy")
    assert chloe.last_name == "Leroy-Blanc" and chloe.role == Role.MANAGER
    assert [t.name for t in chloe.teams.all()] == ["Nantes"]
    david = User.objects.get(email="david.petit@example.com")
    assert david.username == "david" and david.is_active
    assert User.objects.count() == 5  # four imported and the admin


def test_a_parent_team_cycle_is_refused_naming_row_and_column(admin_user):
    cycle = (
        HEADER
        + "amartin,Anne Martin,anne@example.com,Sales Manager,West,Lyon,yes\n"
        + "bdupont,Bruno Dupont,bruno@example.com,Sales Manager,Lyon,West,yes\n"
    )

    job = run_import(admin_user, cycle, kind="users", mapping=MAPPING)

    [(row, column, message)] = errors_of(job)
    assert (row, column) == (3, "Region")
    assert "cycle" in message and "Lyon" in message and "West" in message
    assert not User.objects.filter(username="bdupont").exists()  # nothing half-written
    assert Team.objects.get(name="West").parent == Team.objects.get(name="Lyon")
    assert Team.objects.get(name="Lyon").parent is None


def test_a_rep_cannot_run_a_users_import(rep, tmp_path):
    with pytest.raises(ValidationError) as refused:
        run_import(rep, PEOPLE, kind="users", mapping=MAPPING)

    assert "Only an admin" in str(refused.value)
    mapping = tmp_path / "users.json"
    mapping.write_text(json.dumps(MAPPING))
    with pytest.raises(CommandError, match="Only an admin"):
        call_command("import", "users", str(_users_csv(tmp_path)), "--mapping", str(mapping),
                     "--user", "rep")  # fmt: skip
    assert not ImportJob.objects.exists()
    assert not Team.objects.exclude(name="North").exists()
    assert set(User.objects.values_list("username", flat=True)) == {"rep"}


def test_a_manager_is_refused_by_the_api_and_the_wizard(manager, tmp_path):
    _token, key = token_create(user=manager)
    with _users_csv(tmp_path).open("rb") as upload:
        response = client_for(manager).post(
            "/api/v1/imports",
            {"kind": "users", "mapping": json.dumps(MAPPING), "file": upload},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 422
    assert "Only an admin may import users and teams." in response.content.decode()
    with _users_csv(tmp_path).open("rb") as upload:
        page = client_for(manager).post(
            reverse("imports:upload"), {"kind": "users", "file": upload}
        )
    assert "Only an admin may import users and teams." in page.content.decode()
    assert not ImportJob.objects.exists()
    assert set(User.objects.values_list("username", flat=True)) == {"manager"}


def test_an_admin_runs_it_from_the_command_line(admin_user, tmp_path, capsys):
    mapping = tmp_path / "users.json"
    mapping.write_text(json.dumps(MAPPING))

    call_command("import", "users", str(_users_csv(tmp_path)), "--mapping", str(mapping))

    assert "Created 4" in capsys.readouterr().out
    assert ImportJob.objects.get().status == ImportStatus.DONE


def test_a_password_column_is_not_imported(admin_user):
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "Password": "password"}}

    with pytest.raises(ValidationError) as refused:
        run_import(admin_user, PEOPLE, kind="users", mapping=mapping)

    assert "password" in str(refused.value)
    assert not User.objects.exclude(username="admin").exists()


def test_an_owner_matching_two_users_is_an_error_naming_both(admin_user, north):
    UserFactory(username="jmoreau", first_name="Julie", last_name="Moreau", team=north)
    UserFactory(username="julie.m", first_name="Julie", last_name="Moreau", team=north)
    leads = "Last name,Owner\nDurand,Julie Moreau\nBernard,jmoreau\n"
    mapping = {
        "kind": "leads",
        "columns": {"Last name": "last_name", "Owner": "owner"},
        "defaults": {"source": "other"},
    }

    job = run_import(admin_user, leads, mapping=mapping)

    [(row, column, message)] = errors_of(job)
    assert (row, column) == (2, "Owner")
    assert "jmoreau (Julie Moreau)" in message and "julie.m (Julie Moreau)" in message
    assert list(Lead.objects.values_list("last_name", "owner__username")) == [
        ("Bernard", "jmoreau")
    ]
