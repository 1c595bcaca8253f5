from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import override_settings

from salesflow.settings import PASSWORD_HASHERS


def test_passwords_are_hashed_with_argon2():
    assert PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        assert identify_hasher(make_password("a long passphrase")).algorithm == "argon2"


def test_short_passwords_are_refused_by_the_rules():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password("short1")
    except ValidationError as exc:
        assert any("too short" in message for message in exc.messages)
    else:
        raise AssertionError("a 6-character password was accepted")


def test_session_cookie_is_http_only_and_same_site():
    assert django_settings.SESSION_COOKIE_HTTPONLY is True
    assert django_settings.SESSION_COOKIE_SAMESITE == "Lax"
