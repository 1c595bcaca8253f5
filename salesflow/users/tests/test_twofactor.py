"""Two-factor services with real codes (django_otp.oath.TOTP on the device key, time frozen)."""

from __future__ import annotations

import base64

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesflow.users import twofactor
from salesflow.users.models import Role
from salesflow.users.tests.twofactor_helpers import code_for, device_confirmed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOON = "2026-03-02 12:00:00+00:00"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


def _two_factor_changes(user) -> list[tuple[list[str], str, object]]:
    entries = LogEntry.objects.get_for_object(user).order_by("pk")
    return [
        (e.changes["two_factor"], e.additional_data["two_factor"], e.actor)
        for e in entries
        if "two_factor" in (e.changes or {})
    ]


@pytest.mark.parametrize(
    ("setting", "roles"),
    [
        ("admin", {"admin"}),
        ("all", {"admin", "manager", "rep"}),
        ("none", set()),
        ("Admin, manager", {"admin", "manager"}),
        ("admin,boss", {"admin"}),
    ],
)
def test_the_setting_names_the_roles_that_must_use_two_factor(settings, setting, roles):
    settings.SALESFLOW_2FA_REQUIRED = setting
    assert twofactor.required_roles() == roles


def test_admins_and_superusers_must_use_it_by_default_and_reps_need_not(rep, admin_user):
    root = UserFactory(username="root", role=Role.REP, is_superuser=True)
    assert twofactor.two_factor_required(admin_user)
    assert twofactor.two_factor_required(root)
    assert not twofactor.two_factor_required(rep)


def test_set_up_shows_one_key_until_confirmed_with_a_code_from_the_app(rep, frozen):
    device = twofactor.totp_device_start(user=rep)
    assert twofactor.totp_device_start(user=rep) == device
    assert not twofactor.two_factor_enabled(rep)

    confirmed, codes = twofactor.totp_device_confirm(user=rep, code=code_for(device))

    assert confirmed.pk == device.pk and confirmed.confirmed
    assert twofactor.two_factor_enabled(rep)
    assert len(codes) == len(set(codes)) == 10
    assert twofactor.recovery_codes_left(rep) == 10
    assert _two_factor_changes(rep)[0] == (["off", "on"], "set up", rep)


def test_set_up_with_a_wrong_code_is_refused_and_nothing_is_turned_on(rep, frozen):
    device = twofactor.totp_device_start(user=rep)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationError) as refused:
        twofactor.totp_device_confirm(user=rep, code=wrong)
    assert "code" in refused.value.message_dict
    device.refresh_from_db()
    assert not device.confirmed and not twofactor.two_factor_enabled(rep)
    assert not StaticDevice.objects.filter(user=rep).exists()


def test_a_second_set_up_is_refused_while_two_factor_is_on(rep, frozen):
    device_confirmed(rep)
    with pytest.raises(ValidationError):
        twofactor.totp_device_start(user=rep)
    assert TOTPDevice.objects.filter(user=rep).count() == 1


def test_the_key_shown_for_typing_is_the_device_key_and_the_qr_code_an_inline_svg(rep):
    device = twofactor.totp_device_start(user=rep)
    typed = twofactor.totp_secret(device).replace(" ", "")
    assert base64.b32decode(typed + "=" * (-len(typed) % 8)) == device.bin_key
    svg = twofactor.totp_qr_svg(device)
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg


def test_the_current_code_signs_in_once_and_not_again(rep, frozen):
    device = device_confirmed(rep)
    frozen.shift(30)
    code = code_for(device)
    assert twofactor.code_verify(user=rep, code=code) == device
    assert twofactor.code_verify(user=rep, code=code) is None


def test_a_code_from_another_key_or_an_old_code_is_refused(rep, teammate, frozen):
    device = device_confirmed(rep)
    other = device_confirmed(teammate)
    frozen.shift(30)
    assert twofactor.code_verify(user=rep, code=code_for(other)) is None
    frozen.shift(10)  # django-otp's back-off after a wrong code
    assert twofactor.code_verify(user=rep, code=code_for(device, at=1e9)) is None


def test_after_a_wrong_code_even_the_right_one_waits_for_the_back_off(rep, frozen):
    device = device_confirmed(rep)
    frozen.shift(60)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    assert twofactor.code_verify(user=rep, code=wrong) is None
    assert twofactor.code_verify(user=rep, code=code_for(device)) is None  # throttled
    frozen.shift(5)
    assert twofactor.code_verify(user=rep, code=code_for(device)) == device


def test_a_recovery_code_works_once(rep, frozen):
    device_confirmed(rep)
    codes = twofactor.recovery_codes_create(user=rep, acting_user=rep)
    verified = twofactor.code_verify(user=rep, code=codes[3].upper())
    assert isinstance(verified, StaticDevice)
    assert twofactor.recovery_codes_left(rep) == 9
    frozen.shift(10)
    assert twofactor.code_verify(user=rep, code=codes[3]) is None
    assert twofactor.recovery_codes_left(rep) == 9


def test_new_recovery_codes_replace_the_old_ones(rep, frozen):
    device_confirmed(rep)
    old = twofactor.recovery_codes_create(user=rep, acting_user=rep)
    new = twofactor.recovery_codes_create(user=rep, acting_user=rep)
    assert not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=rep).values_list("token", flat=True)) == (
        set(new)
    )
    assert twofactor.code_verify(user=rep, code=old[0]) is None


def test_recovery_codes_need_two_factor_on(rep):
    with pytest.raises(ValidationError):
        twofactor.recovery_codes_create(user=rep, acting_user=rep)
    assert not StaticDevice.objects.filter(user=rep).exists()


def test_turning_off_needs_a_current_code_or_the_password(rep, frozen):
    device = device_confirmed(rep)
    with pytest.raises(ValidationError) as refused:
        twofactor.two_factor_disable(user=rep, secret="not my password")
    assert refused.value.error_dict["secret"][0].code == twofactor.WRONG_SECRET
    assert twofactor.two_factor_enabled(rep)

    frozen.shift(30)
    twofactor.two_factor_disable(user=rep, secret=code_for(device))
    assert not twofactor.two_factor_enabled(rep)
    assert not StaticDevice.objects.filter(user=rep).exists()
    assert _two_factor_changes(rep)[-1] == (["on", "off"], "turned off", rep)


def test_turning_off_with_the_password(rep, frozen):
    device_confirmed(rep)
    twofactor.two_factor_disable(user=rep, secret="correct horse battery staple")
    assert not twofactor.two_factor_enabled(rep)


def test_a_role_that_must_use_two_factor_cannot_turn_it_off(admin_user, frozen):
    device_confirmed(admin_user)
    with pytest.raises(ValidationError) as refused:
        twofactor.two_factor_disable(user=admin_user, secret="correct horse battery staple")
    assert "role" in refused.value.message_dict["secret"][0]
    assert twofactor.two_factor_enabled(admin_user)


def test_an_admin_resets_another_users_two_factor_and_it_is_audited(rep, admin_user, frozen):
    device_confirmed(rep)
    twofactor.two_factor_reset(user=rep, acting_user=admin_user)
    assert not TOTPDevice.objects.filter(user=rep).exists()
    assert not StaticDevice.objects.filter(user=rep).exists()
    assert _two_factor_changes(rep)[-1] == (["on", "off"], "reset by an admin", admin_user)


@pytest.mark.parametrize("who", ["manager", "teammate"])
def test_only_an_admin_may_reset_two_factor(rep, who, request, frozen):
    device_confirmed(rep)
    with pytest.raises(PermissionDenied):
        twofactor.two_factor_reset(user=rep, acting_user=request.getfixturevalue(who))
    assert twofactor.two_factor_enabled(rep) and twofactor.recovery_codes_left(rep) == 10


def test_an_admin_does_not_reset_their_own(admin_user, frozen):
    device_confirmed(admin_user)
    with pytest.raises(ValidationError):
        twofactor.two_factor_reset(user=admin_user, acting_user=admin_user)
    assert twofactor.two_factor_enabled(admin_user)
