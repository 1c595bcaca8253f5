from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from salesflow.users.models import ApiToken, Role, User
from salesflow.users.services import token_authenticate

pytestmark = pytest.mark.django_db

STRONG = "a long and uncommon passphrase"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_user_create_makes_a_rep_in_a_team_who_can_sign_in():
    out, _ = run("user", "create", "rita", "--role", "rep", "--team", "North", "--password", STRONG)
    rita = User.objects.get(username="rita")
    assert rita.role == Role.REP and not rita.is_staff
    assert [t.name for t in rita.teams.all()] == ["North"]
    assert rita.check_password(STRONG)
    assert "Created rep rita in team North." in out


def test_user_create_admin_is_staff_and_email_is_normalised():
    run("user", "create", "ada", "--role", "admin", "--email", " Ada@Example.COM ")
    ada = User.objects.get(username="ada")
    assert ada.is_admin and ada.is_staff
    assert ada.email == "ada@example.com"


def test_user_without_password_cannot_sign_in_until_one_is_set():
    out, _ = run("user", "create", "rob", "--role", "manager")
    assert not User.objects.get(username="rob").has_usable_password()
    assert "salesflow changepassword rob" in out


def test_a_bad_role_is_refused_naming_the_option():
    with pytest.raises(CommandError, match="--role"):
        run("user", "create", "rita", "--role", "boss")
    assert not User.objects.filter(username="rita").exists()


def test_a_duplicate_user_is_refused(rep):
    with pytest.raises(CommandError, match=r"USERNAME: A user named 'rep' already exists"):
        run("user", "create", "rep", "--role", "rep")
    assert User.objects.filter(username="rep").count() == 1


def test_a_weak_password_and_a_bad_email_are_refused_naming_the_option():
    with pytest.raises(CommandError, match="--password: This password is too short"):
        run("user", "create", "rita", "--role", "rep", "--password", "abc")
    with pytest.raises(CommandError, match="--email: Enter a valid email address"):
        run("user", "create", "rita", "--role", "rep", "--email", "not-an-address")
    assert not User.objects.filter(username="rita").exists()


def test_user_list_shows_roles_and_teams(rep, manager):
    out, _ = run("user", "list")
    assert re.search(r"^manager\s+manager\s+yes\s+North$", out, re.MULTILINE)
    assert re.search(r"^rep\s+rep\s+yes\s+North$", out, re.MULTILINE)


def test_token_create_prints_the_key_once_and_stores_only_its_hash(rep):
    out, err = run("token", "create", "rep", "--name", "ERP sync")
    key = out.strip()
    token = ApiToken.objects.get(user=rep)
    assert key.startswith(token.prefix) and token.name == "ERP sync"
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert token_authenticate(key) == rep
    assert "not shown again" in err


def test_token_create_for_an_unknown_or_inactive_user_is_refused(rep):
    with pytest.raises(CommandError, match="USERNAME: there is no user named 'nobody'"):
        run("token", "create", "nobody")
    rep.is_active = False
    rep.save()
    with pytest.raises(CommandError, match="deactivated"):
        run("token", "create", "rep")
    assert not ApiToken.objects.exists()


def test_token_list_shows_prefixes_never_keys(rep):
    key = run("token", "create", "rep", "--name", "laptop")[0].strip()
    out, _ = run("token", "list", "rep")
    assert key[:10] in out and "laptop" in out and "active" in out
    assert key not in out


def test_token_revoke_by_prefix_stops_the_key_working(rep):
    key = run("token", "create", "rep")[0].strip()
    out, _ = run("token", "revoke", key[:10])
    assert f"Revoked token {key[:10]} of rep." in out
    assert token_authenticate(key) is None
    again, _ = run("token", "revoke", key[:10])
    assert "already revoked" in again
    assert "revoked" in run("token", "list", "rep")[0]


def test_token_revoke_accepts_the_whole_token(rep):
    key = run("token", "create", "rep")[0].strip()
    run("token", "revoke", key)
    assert token_authenticate(key) is None


def test_token_revoke_of_an_unknown_prefix_is_refused(rep):
    with pytest.raises(CommandError, match="PREFIX: no token has the prefix 'sf_nothing'"):
        run("token", "revoke", "sf_nothing")
