"""Two-factor pages: signing in in two steps, set-up forced on admins, turning off, admin reset."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, client_for
from salesflow.audit.models import AuditAction, AuditEvent
from salesflow.users import twofactor
from salesflow.users.services import token_create
from salesflow.users.tests.twofactor_helpers import code_for, device_confirmed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_URL = reverse("users:two-factor-code")
SETUP_URL = reverse("users:two-factor-setup")
ACCOUNT_URL = reverse("users:two-factor")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to("2026-03-02 12:00:00+00:00", tick=False)
    return time_machine


def _password_step(client: Client, username: str, next_url: str = "") -> object:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _wrong(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


# --- admins must set it up -------------------------------------------------------------------


def test_an_admin_without_two_factor_is_sent_to_set_up_before_any_other_page(admin_user):
    client = Client()
    response = _password_step(client, "admin")
    assert response.status_code == 302
    for url in ("/", "/deals/", "/admin/", ACCOUNT_URL):
        held = client.get(url)
        assert held.status_code == 302 and held["Location"].startswith(SETUP_URL), url
    assert client.get(SETUP_URL).status_code == 200


def test_an_admin_sets_up_two_factor_sees_ten_recovery_codes_once_and_goes_on(admin_user, frozen):
    client = Client()
    _password_step(client, "admin")
    page = client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert twofactor.totp_secret(device) in page.content.decode()
    assert "<svg" in page.content.decode()

    wrong = client.post(SETUP_URL, {"code": _wrong(device)})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    assert client.get("/").status_code == 302  # still held back

    frozen.shift(30)
    done = client.post(SETUP_URL, {"code": code_for(device)})
    body = done.content.decode()
    codes = list(
        StaticDevice.objects.get(user=admin_user).token_set.values_list("token", flat=True)
    )
    assert len(codes) == 10 and all(code in body for code in codes)
    assert "no-store" in done["Cache-Control"]
    assert client.get("/").status_code == 200
    account = client.get(ACCOUNT_URL).content.decode()
    assert "10 recovery codes left" in account
    assert not any(code in account for code in codes)


def test_a_rep_may_sign_in_without_two_factor_and_turn_it_on_from_the_account_page(rep, frozen):
    client = Client()
    _password_step(client, "rep")
    assert client.get("/").status_code == 200
    account = client.get(ACCOUNT_URL).content.decode()
    assert "Off" in account and SETUP_URL in account
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=rep)
    client.post(SETUP_URL, {"code": code_for(device)})
    assert twofactor.two_factor_enabled(rep)
    assert client.get("/").status_code == 200  # this session is verified


def test_the_setting_all_holds_back_a_rep_and_none_lets_an_admin_through(rep, admin_user, settings):
    settings.SALESFLOW_2FA_REQUIRED = "all"
    client = Client()
    _password_step(client, "rep")
    assert client.get("/")["Location"].startswith(SETUP_URL)

    settings.SALESFLOW_2FA_REQUIRED = "none"
    client = Client()
    _password_step(client, "admin")
    assert client.get("/").status_code == 200


def test_an_htmx_request_of_a_held_back_session_is_redirected_by_htmx(admin_user):
    client = Client()
    _password_step(client, "admin")
    response = client.get("/deals/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(SETUP_URL)


# --- signing in with a code ------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_someone_with_two_factor(rep, frozen):
    device_confirmed(rep)
    client = Client()
    response = _password_step(client, "rep", next_url="/deals/")
    assert response.status_code == 302 and response["Location"].startswith(CODE_URL)
    assert not _signed_in(client)
    assert client.get("/deals/")["Location"].startswith(reverse("login"))
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_a_right_code_signs_in_and_goes_to_the_page_asked_for(rep, frozen):
    device = device_confirmed(rep)
    client = Client()
    _password_step(client, "rep", next_url="/deals/")
    frozen.shift(30)
    response = client.post(CODE_URL, {"code": code_for(device), "next": "/deals/"})
    assert response.status_code == 302 and response["Location"] == "/deals/"
    assert _signed_in(client) and client.get("/deals/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=rep).count() == 1


def test_a_wrong_code_is_refused_counted_as_a_failed_sign_in_and_signs_nobody_in(rep, frozen):
    device = device_confirmed(rep)
    client = Client()
    _password_step(client, "rep")
    frozen.shift(30)
    response = client.post(CODE_URL, {"code": _wrong(device)})
    assert response.status_code == 200 and "not right" in response.content.decode()
    assert not _signed_in(client)
    assert client.get("/").status_code == 302
    assert AccessAttempt.objects.get(username="rep").failures_since_start == 1
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.actor_label == "rep"


def test_wrong_codes_lock_the_sign_in_like_wrong_passwords(rep, frozen, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device = device_confirmed(rep)
    client = Client()
    _password_step(client, "rep")
    for _ in range(3):
        frozen.shift(30)
        client.post(CODE_URL, {"code": _wrong(device)})
    frozen.shift(30)
    locked = client.post(CODE_URL, {"code": code_for(device)})
    assert locked.status_code == 429 or locked.status_code == 403
    assert not _signed_in(client)
    again = _password_step(Client(), "rep")
    assert again.status_code in (403, 429) and not again.has_header("Location")


def test_a_recovery_code_signs_in_once(rep, frozen):
    device_confirmed(rep)
    codes = twofactor.recovery_codes_create(user=rep, acting_user=rep)
    first = Client()
    _password_step(first, "rep")
    assert first.post(CODE_URL, {"code": codes[0]}).status_code == 302
    assert _signed_in(first)

    frozen.shift(60)
    second = Client()
    _password_step(second, "rep")
    refused = second.post(CODE_URL, {"code": codes[0]})
    assert refused.status_code == 200 and not _signed_in(second)
    assert twofactor.recovery_codes_left(rep) == 9


def test_the_code_must_follow_the_password_within_five_minutes(rep, frozen):
    device = device_confirmed(rep)
    client = Client()
    _password_step(client, "rep")
    frozen.shift(301)
    response = client.post(CODE_URL, {"code": code_for(device)})
    assert response["Location"].startswith(reverse("login"))
    assert not _signed_in(client)


def test_the_code_page_does_not_send_anyone_to_another_site(rep, frozen):
    device = device_confirmed(rep)
    client = Client()
    _password_step(client, "rep")
    frozen.shift(30)
    response = client.post(CODE_URL, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("pages:dashboard")


def test_a_signed_out_visitor_on_the_code_page_is_sent_to_sign_in():
    response = Client().get(CODE_URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_admin_sign_in_still_asks_for_the_code(admin_user, frozen):
    device = device_confirmed(admin_user)
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    held = client.get("/admin/")
    assert held.status_code == 302 and held["Location"].startswith(CODE_URL)
    frozen.shift(30)
    client.post(CODE_URL, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_the_api_keeps_its_tokens(admin_user):
    """A token is no session: two-factor does not stand between it and the API."""
    _token, key = token_create(user=admin_user, name="CI")
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


# --- turning off, new codes, admin reset -----------------------------------------------------


def test_turning_off_with_a_wrong_password_is_refused_and_counted(rep, frozen):
    device_confirmed(rep)
    client = client_for(rep)
    response = client.post(reverse("users:two-factor-disable"), {"secret": "nope nope"})
    assert response.status_code == 422
    assert twofactor.two_factor_enabled(rep)
    assert AccessAttempt.objects.get(username="rep").failures_since_start == 1
    done = client.post(reverse("users:two-factor-disable"), {"secret": PASSWORD})
    assert done.status_code == 302 and not twofactor.two_factor_enabled(rep)


def test_an_admin_cannot_turn_their_required_two_factor_off(admin_user):
    client = client_for(admin_user)
    page = client.get(reverse("users:two-factor-disable")).content.decode()
    assert "cannot be turned off" in page
    response = client.post(reverse("users:two-factor-disable"), {"secret": PASSWORD})
    assert response.status_code == 422 and twofactor.two_factor_enabled(admin_user)


def test_new_recovery_codes_are_shown_once_and_the_old_ones_stop(rep, frozen):
    device_confirmed(rep)
    old = twofactor.recovery_codes_create(user=rep, acting_user=rep)
    response = client_for(rep).post(reverse("users:two-factor-recovery-codes"))
    new = list(StaticDevice.objects.get(user=rep).token_set.values_list("token", flat=True))
    assert all(code in response.content.decode() for code in new)
    assert not set(old) & set(new)


def test_an_admin_resets_a_users_two_factor_from_the_settings_page(rep, admin_user, frozen):
    device_confirmed(rep)
    client = client_for(admin_user)
    listing = client.get(reverse("users:two-factor-users")).content.decode()
    reset_url = reverse("users:two-factor-reset", args=[rep.pk])
    assert reset_url in listing
    response = client.post(reset_url)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=rep).exists()
    entry = LogEntry.objects.get_for_object(rep).latest("pk")
    assert entry.actor == admin_user and entry.changes["two_factor"] == ["on", "off"]
    # The rep signs in with the password alone again.
    rep_client = Client()
    _password_step(rep_client, "rep")
    assert _signed_in(rep_client)


@pytest.mark.parametrize("who", ["manager", "rep"])
def test_a_non_admin_cannot_reset_anyones_two_factor(who, request, teammate, frozen):
    device_confirmed(teammate)
    client = client_for(request.getfixturevalue(who))
    response = client.post(reverse("users:two-factor-reset", args=[teammate.pk]))
    assert response.status_code == 403
    assert twofactor.two_factor_enabled(teammate)
    assert twofactor.recovery_codes_left(teammate) == 10


def test_the_two_factor_overview_takes_few_queries(admin_user, django_assert_max_num_queries):
    for n in range(12):
        UserFactory(username=f"user-{n}")
    client = client_for(admin_user)
    client.get(reverse("users:two-factor-users"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("users:two-factor-users"))
    assert response.content.decode().count("user-") >= 12


def test_a_poll_from_the_set_up_page_itself_does_not_reload_it(admin_user):
    client = Client()
    _password_step(client, "admin")
    response = client.get(
        reverse("followup:reminders"),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{SETUP_URL}"},
    )
    assert response.status_code == 204 and not response.has_header("HX-Redirect")
