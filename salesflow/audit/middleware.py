"""Ties audit-log entries to the person acting, for browser sessions and API tokens alike."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from auditlog.context import auditlog_value, set_extra_data
from django.http import HttpRequest, HttpResponse

from salesflow.core.http import client_ip


class AuditContextMiddleware:
    """Like auditlog's middleware, but the actor can be set later by token authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        context = {
            "actor": user if user is not None and user.is_authenticated else None,
            "remote_addr": client_ip(request),
        }
        with set_extra_data(context_data=context):
            return self.get_response(request)


def audit_actor_set(user: Any) -> None:
    """Name the acting user for the audit entries of the current request (API token auth)."""
    with contextlib.suppress(LookupError):
        auditlog_value.get()["actor"] = user
