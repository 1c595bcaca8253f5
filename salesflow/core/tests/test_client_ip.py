"""Behind a reverse proxy, the lockout and the capture form's limit key on the client (issue 14)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from salesflow.api.tests.test_capture import VISITOR, form, submit  # noqa: F401 - fixture
from salesflow.core.http import client_ip
from salesflow.leads.models import Lead

PROXY = "10.0.0.2"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", PROXY),  # no proxy configured: the header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own entry is not trusted
        (2, "203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "10.0.0.1", PROXY),  # came past fewer proxies than configured
        (1, "not-an-address", PROXY),
        (1, None, PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_as_many_places_from_the_right_as_there_are_proxies(
    settings, proxies, forwarded, expected
):
    settings.SALESFLOW_TRUSTED_PROXIES = proxies
    assert client_ip(request_from(PROXY, forwarded)) == expected


def sign_in(username: str, password: str, address: str):
    return Client().post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


@pytest.mark.django_db
def test_a_lockout_behind_the_proxy_locks_out_the_guesser_not_everyone(settings, rep):
    settings.SALESFLOW_TRUSTED_PROXIES = 1
    rep.set_password("right-password")
    rep.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(rep.username, "guess", "203.0.113.66")

    guesser = sign_in(rep.username, "right-password", "203.0.113.66")
    colleague = sign_in(rep.username, "right-password", "198.51.100.7")

    assert guesser.status_code != 302  # locked out, even with the right password now
    assert colleague.status_code == 302  # signed in: same proxy, another client


@pytest.mark.django_db
def test_the_capture_form_limit_counts_each_client_behind_the_proxy(settings, form):  # noqa: F811
    settings.SALESFLOW_TRUSTED_PROXIES = 1
    form.max_submissions_per_ip = 1
    form.save()
    url = f"/api/v1/public/forms/{form.form_key}"

    def post(address: str):
        return Client().post(
            url, VISITOR, content_type="application/json",
            REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address,
        )  # fmt: skip

    assert post("203.0.113.5").status_code == 201
    assert post("203.0.113.5").status_code == 429
    assert post("198.51.100.7").status_code == 201
    assert Lead.objects.count() == 2
