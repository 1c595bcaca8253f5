"""Fixtures of the tests that drive the WSGI application directly (the API fuzz tests)."""

from __future__ import annotations

import pytest
from django.core import signals
from django.db import close_old_connections


@pytest.fixture
def wsgi_keeps_the_test_connection():
    # Like Django's test client, keep the test's database connection open across requests
    # (the WSGI handler closes it after each one).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
