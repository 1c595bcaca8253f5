"""Scale-out settings (issue #10 point 7, docs/scaling.md): persistent connections with health
checks, and a read replica for the reports through `salesflow.core.dbrouter`.

The replica tests use a second alias, `replica`, that mirrors the test database (Django's TEST
MIRROR, as settings.py configures it when DATABASE_REPLICA_URL is set), and install the router
and middleware exactly as settings.py's scale-out block does. The alias exists only when these
tests are collected, from the end of collection (it must exist before pytest-django sets the
test databases up, once per session, for every alias a collected test names) until the last
test of this module has run (salesflow/core/tests/conftest.py). It is not added per test after the
setup: Django's test case refuses connections to any configured alias its `databases` does not
name, and the router asks `connections.settings` whether a replica is configured.

A mirror is a second connection to the same database, so it only sees committed rows: those
tests are transactional.
"""

from __future__ import annotations

import copy
import runpy
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from conftest import client_for
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import history_deal
from salesflow.api.tests.conftest import ApiClient
from salesflow.core.dbrouter import REPLICA, read_connection, reads_a_report, replica_reads
from salesflow.pipeline.models import Deal, Outcome, StageChange
from tests.factories import DealFactory

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings.py"
REPLICA_URL = "postgres://reader:secret@replica.internal:5432/salesflow"


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """salesflow/settings.py evaluated afresh under these environment variables."""
    for name in (
        "DATABASE_REPLICA_URL",
        "DATABASE_CONN_MAX_AGE",
        "DATABASE_CONN_HEALTH_CHECKS",
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


# --- the settings -----------------------------------------------------------------------------


def test_without_a_replica_url_there_is_one_database_and_no_router(monkeypatch):
    values = settings_with(monkeypatch)
    assert list(values["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in values
    assert "salesflow.core.dbrouter.ReplicaReadsMiddleware" not in values["MIDDLEWARE"]
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is False
    assert values["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_a_replica_url_adds_the_alias_router_and_middleware(monkeypatch):
    values = settings_with(
        monkeypatch,
        DATABASE_REPLICA_URL=REPLICA_URL,
        DATABASE_CONN_MAX_AGE="60",
        DATABASE_CONN_HEALTH_CHECKS="true",
        DATABASE_DISABLE_SERVER_SIDE_CURSORS="1",
    )
    replica = values["DATABASES"]["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert (replica["HOST"], replica["NAME"], replica["USER"]) == (
        "replica.internal",
        "salesflow",
        "reader",
    )
    # The replica's connections live as long as the primary's and are checked the same way.
    assert replica["CONN_MAX_AGE"] == values["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert replica["CONN_HEALTH_CHECKS"] is values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"]
    assert replica["CONN_HEALTH_CHECKS"] is True
    # Behind PgBouncer in transaction mode, on both.
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert values["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert replica["TEST"] == {"MIRROR": "default"}
    assert values["DATABASE_ROUTERS"] == ["salesflow.core.dbrouter.ReplicaRouter"]
    middleware = values["MIDDLEWARE"]
    # Inside the request, after sign-in; django-axes stays last as it asks.
    assert middleware[-2:] == [
        "salesflow.core.dbrouter.ReplicaReadsMiddleware",
        "axes.middleware.AxesMiddleware",
    ]


# --- persistent connections (instead of psycopg's pool, which is not installed) --------------


def _connection_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    """A new connection to the test database with the CONN_* values settings.py gives."""
    configured = settings_with(monkeypatch, **env)["DATABASES"]["default"]
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["CONN_MAX_AGE"] = configured["CONN_MAX_AGE"]
    settings_dict["CONN_HEALTH_CHECKS"] = configured["CONN_HEALTH_CHECKS"]
    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(settings_dict, alias="scaling-conn")


def _session(connection: Any) -> Any:
    """What identifies the database session: PostgreSQL's backend pid; SQLite's connection
    object itself (held, so that a new one cannot take its place in memory)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    return connection.connection


def _terminate(pid: int) -> None:
    """Drop a PostgreSQL session from the server's side, and wait until it is gone."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"PostgreSQL session {pid} was not terminated")


@pytest.mark.django_db
@pytest.mark.parametrize(("max_age", "kept"), [("60", True), ("0", False)])
def test_conn_max_age_keeps_the_connection_between_requests(monkeypatch, max_age, kept):
    connection = _connection_from(monkeypatch, DATABASE_CONN_MAX_AGE=max_age)
    try:
        first = _session(connection)
        connection.close_if_unusable_or_obsolete()  # what Django does when a request ends
        assert (connection.connection is not None) is kept
        assert (_session(connection) == first) is kept
    finally:
        connection.close()


@pytest.mark.django_db
@pytest.mark.parametrize("health_checks", ["1", "0"])
def test_health_checks_replace_a_connection_the_database_dropped(monkeypatch, health_checks):
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("SQLite runs inside the process: nothing can drop its connection.")
    connection = _connection_from(
        monkeypatch, DATABASE_CONN_MAX_AGE="60", DATABASE_CONN_HEALTH_CHECKS=health_checks
    )
    try:
        dropped = _session(connection)
        connection.close_if_unusable_or_obsolete()  # the request ends; the connection is kept
        _terminate(dropped)  # a database restart, a failover, a firewall's idle timeout
        connection.close_if_unusable_or_obsolete()  # the next request starts
        if health_checks == "1":
            assert _session(connection) != dropped  # a fresh connection, no error
        else:
            with pytest.raises(OperationalError):
                _session(connection)  # the next request fails
    finally:
        connection.close()


# --- the router -------------------------------------------------------------------------------


@pytest.fixture
def with_replica(settings, monkeypatch):
    """The router and middleware as settings.py installs them with DATABASE_REPLICA_URL."""
    configured = settings_with(monkeypatch, DATABASE_REPLICA_URL=REPLICA_URL)
    settings.DATABASE_ROUTERS = configured["DATABASE_ROUTERS"]
    settings.MIDDLEWARE = configured["MIDDLEWARE"]
    assert (
        connections[REPLICA].settings_dict["NAME"]
        == (connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    )


REPLICA_DB = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPLICA]
)


@pytest.fixture
def won_and_lost(rep):
    history_deal(
        rep,
        [("Prospecting", "2026-01-05"), ("Qualification", "2026-01-10"), ("Won", "2026-01-20")],
        outcome=Outcome.WON,
    )
    history_deal(rep, [("Prospecting", "2026-01-06"), ("Lost", "2026-01-12")], outcome=Outcome.LOST)


def tables(captured: CaptureQueriesContext, verb: str = "") -> set[str]:
    """The Salesflow tables named in the captured statements (starting with `verb`)."""
    found = set()
    for query in captured.captured_queries:
        sql = query["sql"]
        if verb and not sql.lstrip().upper().startswith(verb):
            continue
        for app in ("pipeline", "activities", "customers", "leads", "audit", "users"):
            for word in sql.replace('"', " ").replace("`", " ").split():
                if word.startswith(f"{app}_"):
                    found.add(word.rstrip(".,()"))
    return found


class Both:
    """Statements sent to each alias while the block runs."""

    def __enter__(self) -> Both:
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]).__enter__()
        self.replica = CaptureQueriesContext(connections[REPLICA]).__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)


# Win rates is built with the ORM only; the funnel, velocity and detours also run hand-written
# SQL, which reaches the replica only through `read_connection` (see the last tests).
WIN_RATES = {"from": "2026-01-01", "to": "2026-12-31"}


@REPLICA_DB
def test_the_report_api_reads_the_deals_from_the_replica(with_replica, won_and_lost, manager):
    api = ApiClient(manager)
    with Both() as sent:
        response = api.get("/analytics/win-rates", WIN_RATES)
    assert response.status_code == 200, response.content
    assert (response.json()["won"], response.json()["lost"]) == (1, 1)  # what was committed
    assert "pipeline_deal" in tables(sent.replica)
    assert "pipeline_deal" not in tables(sent.primary)
    # Who is asking (the token and its user) comes from the primary: a token made a moment ago
    # may not have reached the replica yet.
    assert "users_apitoken" in tables(sent.primary)
    assert "users_apitoken" not in tables(sent.replica)


@REPLICA_DB
def test_the_report_page_and_its_csv_read_from_the_replica_and_write_to_the_primary(
    with_replica, won_and_lost, manager, rep
):
    client = client_for(manager)
    with Both() as page:
        response = client.get("/analytics/win-rates/", WIN_RATES)
    assert response.status_code == 200
    assert "pipeline_deal" in tables(page.replica)
    assert "pipeline_deal" not in tables(page.primary)

    with Both() as download:
        response = client.get("/analytics/win-rates/", {**WIN_RATES, "format": "csv"})
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert str(rep) in body  # the rep's row, grouped by owner
    assert "pipeline_deal" in tables(download.replica)
    assert "pipeline_deal" not in tables(download.primary)
    # The export is audited: that write goes to the primary, never to the replica.
    assert tables(download.primary, "INSERT") == {"audit_auditevent"}
    assert tables(download.replica, "INSERT") == set()


@REPLICA_DB
def test_writes_and_other_pages_use_the_primary_only(with_replica, rep):
    deal = DealFactory(owner=rep)
    api = ApiClient(rep)
    with Both() as sent:
        listed = api.get("/deals")
        created = api.post(
            "/activities",
            {"type": "call", "subject": "Replica check", "deal_id": deal.pk},
        )
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert created.status_code in (200, 201), created.content
    assert "activities_activity" in tables(sent.primary, "INSERT")
    assert sent.replica.captured_queries == []
    assert deal.activities.filter(subject="Replica check").exists()


@REPLICA_DB
def test_code_reads_a_report_from_the_replica_only_inside_replica_reads(
    with_replica, won_and_lost, manager
):
    win_rates = report_get("win-rates")
    with Both() as outside:
        report_run(win_rates, manager, WIN_RATES)
    assert outside.replica.captured_queries == []
    with Both() as inside, replica_reads():
        report = report_run(win_rates, manager, WIN_RATES)
    assert (report.summary["won"], report.summary["lost"]) == (1, 1)
    assert "pipeline_deal" in tables(inside.replica)
    assert "pipeline_deal" not in tables(inside.primary)


@REPLICA_DB
def test_hand_written_sql_reads_the_replica_through_read_connection(with_replica, won_and_lost):
    sql = "SELECT COUNT(*) FROM pipeline_stagechange"
    with Both() as sent, replica_reads(), read_connection(StageChange).cursor() as cursor:
        cursor.execute(sql)
        assert cursor.fetchone()[0] == 5  # 3 + 2 stage changes, committed
    assert "pipeline_stagechange" in tables(sent.replica)
    assert sent.primary.captured_queries == []
    # Outside a report (or without a replica) it is the primary's connection.
    assert read_connection(StageChange) is connections[DEFAULT_DB_ALIAS]


def test_migrations_and_writes_go_to_the_primary_only(settings, monkeypatch):
    settings.DATABASE_ROUTERS = settings_with(monkeypatch, DATABASE_REPLICA_URL=REPLICA_URL)[
        "DATABASE_ROUTERS"
    ]
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "pipeline", model_name="deal")
    assert not router.allow_migrate(REPLICA, "pipeline", model_name="deal")
    with replica_reads():
        assert router.db_for_write(Deal) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Deal) == REPLICA
    assert router.db_for_read(Deal) == DEFAULT_DB_ALIAS
    settings.DATABASE_ROUTERS = []  # no replica configured
    with replica_reads():
        assert read_connection(Deal) is connections[DEFAULT_DB_ALIAS]


@pytest.mark.parametrize(
    ("method", "path", "report"),
    [
        ("GET", "/analytics/", True),
        ("GET", "/analytics/win-rates/", True),
        ("HEAD", "/analytics/funnel/", True),
        ("GET", "/api/v1/analytics", True),
        ("GET", "/api/v1/analytics/detours", True),
        # A write, even to a report's address, reads what it needs from the primary.
        ("POST", "/analytics/win-rates/", False),
        ("POST", "/analytics/forecast/train/", False),
        # The deal page's forecast panels are read right after an edit.
        ("GET", "/analytics/forecast/deals/1/", False),
        ("GET", "/api/v1/analyticsx", False),
        ("GET", "/api/v1/deals", False),
        ("GET", "/deals/", False),
    ],
)
def test_which_requests_read_from_the_replica(rf, method, path, report):
    assert reads_a_report(rf.generic(method, path)) is report
