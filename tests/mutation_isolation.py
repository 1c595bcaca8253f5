"""Loaded by `make mutation` only (`-p tests.mutation_isolation`, see [tool.mutmut] in
pyproject.toml and docs/testing.md). Two jobs:

1. Isolation. mutmut runs the tests that reach a mutant in an order of its own, so a test must
   not see what an earlier one left behind. django-auditlog sets its actor context (a
   ContextVar) for every page request and never resets it, and
   `salesflow.leads.bulk.audit_created` reads that context: a test that bulk-creates leads
   after a test that made page requests writes audit entries naming a user of the earlier
   test's rolled-back data, and fails at teardown with an IntegrityError that has nothing to do
   with the mutant. The context is cleared after every test.

2. Cost of one mutant. mutmut forks each mutant's pytest session from a server process that
   has already imported everything; what is left per mutant is measured in docs/testing.md.
   In a mutant's session (MUTANT_UNDER_TEST names a mutant) this plugin
   - copies the test database that the statistics and clean runs migrated
     (`SQLITE_TEST_NAME`, set by the Makefile) into a private file under /dev/shm and uses it
     as it is, without running `migrate` again. Each mutant has its own database, so two
     mutants can run at once (`--max-children 2`) without waiting for SQLite's write lock
     (the settings open every transaction IMMEDIATE), and none sees another's writes;
   - freezes the objects the server imported (`gc.freeze()`), so the full garbage
     collections pytest makes at the end of a session do not walk (and copy, after the fork)
     the whole of Django;
   - orders the mutant's tests so that the tests of the mutated module's own app come first,
     quickest first (durations from mutmut's statistics run): mutmut stops at the first
     failure (`-x`), so a killed mutant costs its first failing test, not the whole set.
   Nothing here changes what a test checks or which tests run.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from pathlib import Path

import pytest

SHM = Path("/dev/shm")  # noqa: S108 - a private file per session, named by pid, removed at the end


def _mutant_name() -> str | None:
    """The mutant this session tests, or None (statistics, clean and forced-fail runs)."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else None


def _private_database(template: str) -> str:
    """A copy of the migrated test database for this session alone (SQLite's backup API, so
    what is still in the template's WAL file is copied too)."""
    folder = SHM if SHM.is_dir() else Path(template).parent
    target = str(folder / f"salesflow-mutant-{os.getpid()}.sqlite3")
    source = sqlite3.connect(template)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


def _use_as_is(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
    """BaseDatabaseCreation.create_test_db for a private copy that is already migrated: switch
    the connection to it, as create_test_db does, without creating or migrating anything."""
    from django.conf import settings

    name = self._get_test_db_name()
    self.connection.close()
    settings.DATABASES[self.connection.alias]["NAME"] = name
    self.connection.settings_dict["NAME"] = name
    return name


def pytest_configure(config: pytest.Config) -> None:
    gc.freeze()
    if _mutant_name() is None:
        return
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    template = database.get("TEST", {}).get("NAME")
    if database["ENGINE"] != "django.db.backends.sqlite3" or not template:
        return
    if not Path(template).exists():
        return  # no migrated database yet: let pytest-django create it as usual
    private = _private_database(template)
    config._salesflow_private_database = private  # removed at the end of the session
    database["TEST"]["NAME"] = private
    connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = private
    from django.db.backends.base.creation import BaseDatabaseCreation

    BaseDatabaseCreation.create_test_db = _use_as_is  # this forked session only


def pytest_unconfigure(config: pytest.Config) -> None:
    private = getattr(config, "_salesflow_private_database", None)
    if private:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(private + suffix).unlink(missing_ok=True)


def _durations() -> dict[str, float]:
    path = Path("mutmut-stats.json")  # mutmut runs pytest inside mutants/
    try:
        return json.loads(path.read_text(encoding="utf-8"))["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = _mutant_name()
    if mutant is None:
        return
    parts = mutant.split(".")
    own = "/".join(parts[:2]) + "/" if len(parts) > 2 else ""  # e.g. "salesflow/leads/"
    durations = _durations()
    items.sort(
        key=lambda item: (
            not (own and item.nodeid.startswith(own)),
            durations.get(item.nodeid, 1.0),
        )
    )


@pytest.fixture(autouse=True)
def _auditlog_actor_context_reset():
    yield
    from auditlog.context import auditlog_value

    auditlog_value.set({})
