"""Read replicas for the reports (issue #10 point 7, docs/scaling.md).

With `DATABASE_REPLICA_URL` set, settings.py adds a second database alias, `replica` (a
read-only copy of the primary kept by the database's own replication), installs `ReplicaRouter`
and `ReplicaReadsMiddleware`. Then:

- the reports read from the replica: the analytics pages and their CSV (`analytics:index`,
  `analytics:report`) and the API's `/api/v1/analytics...`, on GET and HEAD only, and any code
  run inside `with replica_reads():` (a command or a task that only reads); their ORM queries
  through the router, their hand-written SQL when it takes its cursor from
  `read_connection(Model)` instead of `django.db.connection`;
- everything else reads from the primary, and every write goes to the primary, inside the
  reports too (a read that must see what was just written must not read a copy that may lag);
- who is signed in (sessions, users and their tokens, two-factor devices, lockouts), the task
  queue and the content types are read from the primary even inside a report
  (`PRIMARY_ONLY_APPS`): a session or token created a moment ago may not have reached the
  replica yet;
- migrations run on the primary only; the replica gets the schema by replication.

Without `DATABASE_REPLICA_URL` nothing here is installed and everything uses `default`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"
# App labels whose rows are read from the primary even inside a report.
PRIMARY_ONLY_APPS = frozenset(
    {
        "sessions",
        "auth",
        "contenttypes",
        "admin",
        "users",
        "otp_totp",
        "otp_static",
        "axes",
        "django_tasks_database",
    }
)
# The report pages (and their CSV: the same URL with ?format=csv) and the report API.
REPORT_URL_NAMES = frozenset({"analytics:index", "analytics:report"})
REPORT_API_PREFIX = "/api/v1/analytics"

_replica_reads: ContextVar[bool] = ContextVar("salesflow_replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Inside this block the router sends reads to the replica (when one is configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_connection(model: type) -> Any:
    """The connection for hand-written SQL that reads `model`'s table: the replica inside a
    report (when one is configured), else the primary. `django.db.connection` is always the
    primary: raw SQL through it never reaches the router."""
    return connections[router.db_for_read(model)]


class ReplicaRouter:
    """Reads of a report to `replica`; every other read, every write, every migration to
    `default`."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _replica_reads.get() or not replica_configured():
            return None  # Django's default: the instance's own database, else `default`
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: a deal read from one may point at a
        # user read from the other.
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def reads_a_report(request: HttpRequest) -> bool:
    """A GET or HEAD of a report page, its CSV, or the report API."""
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path_info
    if path == REPORT_API_PREFIX or path.startswith(REPORT_API_PREFIX + "/"):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in REPORT_URL_NAMES


class ReplicaReadsMiddleware:
    """Runs the report requests inside `replica_reads()`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not reads_a_report(request):
            return self.get_response(request)
        with replica_reads():
            return self.get_response(request)
