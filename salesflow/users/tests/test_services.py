from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.users.models import ApiToken, Role, Team, User
from salesflow.users.services import (
    owner_change_check,
    ownership_defaults,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_user_create_joins_the_team_creating_it_when_new():
    user = user_create(username="nina", role=Role.REP, team_name="East", password="pw 12345678")
    assert Team.objects.filter(name="East").exists()
    assert list(user.teams.values_list("name", flat=True)) == ["East"]
    assert user.check_password("pw 12345678") and not user.is_staff


def test_user_create_gives_admins_the_admin_site_and_others_not():
    assert user_create(username="ada", role=Role.ADMIN).is_staff
    assert not user_create(username="max", role=Role.MANAGER).is_staff


def test_user_create_without_password_leaves_it_unusable():
    assert not user_create(username="nina").has_usable_password()


def test_user_create_refuses_an_unknown_role_and_a_taken_username(rep):
    with pytest.raises(ValidationError) as bad_role:
        user_create(username="nina", role="boss")
    assert "role" in bad_role.value.message_dict
    with pytest.raises(ValidationError) as taken:
        user_create(username="rep")
    assert "username" in taken.value.message_dict
    assert User.objects.filter(username__in=["nina", "rep"]).count() == 1


def test_token_is_stored_as_a_hash_and_authenticates_its_user(rep):
    token, key = token_create(user=rep, name="CI")
    assert key.startswith("sf_") and token.prefix == key[:10]
    assert token.key_hash == ApiToken.hash_key(key)
    assert token_authenticate(key) == rep
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_used_again_within_a_minute_is_not_written_again(
    rep, django_assert_num_queries, time_machine
):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    _, key = token_create(user=rep)
    token_authenticate(key)
    time_machine.move_to("2026-03-02 09:00:59+00:00", tick=False)
    with django_assert_num_queries(1):  # the look-up only: a read stays a read
        assert token_authenticate(key) == rep
    token = ApiToken.objects.get(user=rep)
    assert token.last_used_at.isoformat() == "2026-03-02T09:00:00+00:00"
    time_machine.move_to("2026-03-02 09:01:00+00:00", tick=False)
    token_authenticate(key)
    token.refresh_from_db()
    assert token.last_used_at.isoformat() == "2026-03-02T09:01:00+00:00"


def test_wrong_revoked_or_inactive_tokens_authenticate_nobody(rep):
    _, key = token_create(user=rep)
    assert token_authenticate("") is None
    assert token_authenticate(key + "x") is None
    rep.is_active = False
    rep.save()
    assert token_authenticate(key) is None
    rep.is_active = True
    rep.save()
    token_revoke(token=rep.api_tokens.get())
    assert token_authenticate(key) is None


def test_revoking_twice_keeps_the_first_revocation_time(rep):
    token, _ = token_create(user=rep)
    token_revoke(token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    token_revoke(token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_new_records_get_the_acting_users_team(rep, north):
    data = ownership_defaults(acting_user=rep, data={})
    assert data == {"owner": rep, "team": north}


def test_records_can_be_assigned_within_the_team_not_outside(rep, teammate, outsider, north):
    assert ownership_defaults(acting_user=rep, data={"owner": teammate})["team"] == north
    with pytest.raises(ValidationError) as exc:
        ownership_defaults(acting_user=rep, data={"owner": outsider})
    assert "owner" in exc.value.message_dict


def test_changing_owner_moves_the_record_to_the_new_owners_team(admin_user, rep, outsider, south):
    account = AccountFactory(owner=rep)
    data = {"owner": outsider}
    owner_change_check(acting_user=admin_user, record=account, data=data)
    assert data["team"] == south
    with pytest.raises(ValidationError):
        owner_change_check(acting_user=rep, record=account, data={"owner": outsider})
