"""The `replica` database alias of the read-replica tests (test_dbrouter.py), only when they run.

pytest-django sets the test databases up once per session (`django_db_setup`), whichever
database test comes first, for every alias a collected test's `django_db(databases=...)` names;
such an alias must exist by then. So the alias is added after collection, and only when a
collected test names it (`pytest_collection_modifyitems`), as a TEST MIRROR of `default` (the
way settings.py configures it with DATABASE_REPLICA_URL: setup_databases() then points it at the
test database). It is removed after the last test of test_dbrouter.py in the run's order
(pytest-django runs the transactional tests after the others, so a module's tests need not be
next to each other), and the tests that follow run with one database, as without those tests.
Tests run before that one (pytest-django puts the transactional tests last: most of a run's
tests) still see the alias in `connections`; Django's test case refuses them any connection to
it, since their `databases` do not name it. It cannot be added later: the session's database
setup, at the first database test, is what points the mirror at the test database.
"""

from __future__ import annotations

import copy

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from salesflow.core.dbrouter import REPLICA


def _names_replica(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return marker is not None and REPLICA in (marker.kwargs.get("databases") or ())


def replica_alias_add() -> None:
    """A `replica` alias mirroring `default` (before the test databases are set up)."""
    if REPLICA not in connections.settings:
        replica = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
        replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
        connections.settings[REPLICA] = replica


def replica_alias_remove() -> None:
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if any(_names_replica(item) for item in items):
        replica_alias_add()


_last_replica_test: list[str] = []  # the node id of the last test of test_dbrouter.py


def pytest_collection_finish(session: pytest.Session) -> None:
    """After every plugin ordered the tests: which of them is the module's last."""
    mine = [item.nodeid for item in session.items if item.path.name == "test_dbrouter.py"]
    _last_replica_test[:] = mine[-1:]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _last_replica_test and item.nodeid == _last_replica_test[0]:
        replica_alias_remove()
