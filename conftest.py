"""Personas shared by every test: a rep, a teammate, a rep of another team, a manager, an admin."""

from __future__ import annotations

import pytest
from django.test import Client

from salesflow.users.models import Role
from tests.factories import TeamFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests create many users. Production keeps argon2 first
    (see salesflow/users/tests/test_security_settings.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_pause_between_import_chunks(settings):
    """The SQLite import's pause after each chunk (letting users' saves in, measured by `make
    load`) would only slow tests that import in chunks of a few rows."""
    settings.SALESFLOW_IMPORT_WRITER_PAUSE_MS = 0


@pytest.fixture(autouse=True)
def _own_maintenance_flag(settings, tmp_path_factory):
    """`salesflow restore` in a test raises the maintenance flag: keep it out of the checkout,
    where another test run (or a running dev server) would see it and answer 503."""
    settings.SALESFLOW_MAINTENANCE_FILE = str(
        tmp_path_factory.getbasetemp() / "salesflow.maintenance"
    )


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`client.force_login(user)` stands for a whole sign-in: a user whose role must use
    two-factor (admins, by default) gets an authenticator app and a session it verified, as
    after the code page. The two steps themselves are tested in salesflow/users/tests."""
    original = Client.force_login

    def force_login(self: Client, user, backend=None) -> None:
        original(self, user, backend)
        from salesflow.users.twofactor import session_verify_for_tests

        session_verify_for_tests(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def north(db):
    return TeamFactory(name="North")


@pytest.fixture
def south(db):
    return TeamFactory(name="South")


@pytest.fixture
def rep(north):
    return UserFactory(username="rep", role=Role.REP, team=north)


@pytest.fixture
def teammate(north):
    return UserFactory(username="teammate", role=Role.REP, team=north)


@pytest.fixture
def outsider(south):
    """A rep of another team."""
    return UserFactory(username="outsider", role=Role.REP, team=south)


@pytest.fixture
def manager(north):
    return UserFactory(username="manager", role=Role.MANAGER, team=north)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_staff=True)


@pytest.fixture
def rep_client(rep) -> Client:
    client = Client()
    client.force_login(rep)
    return client


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pytest_terminal_summary(terminalreporter) -> None:
    """Report the API fuzzing figures (tests/test_api_fuzz.py) when it ran."""
    import sys

    module = sys.modules.get("tests.test_api_fuzz")
    if module is not None and module.REQUESTS_SENT["count"]:
        sent = module.REQUESTS_SENT
        terminalreporter.write_line(
            f"schemathesis: {sent['count']} generated API requests, "
            f"{sent['server_errors']} failed with a server error"
        )


@pytest.fixture
def smtp_server(settings):
    """A real local SMTP server (aiosmtpd) that Django's SMTP backend sends to (tests/smtp.py)."""
    from tests.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
