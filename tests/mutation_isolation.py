"""Loaded by `make mutation` only (`-p tests.mutation_isolation`, see [tool.mutmut] in
pyproject.toml): mutmut runs the tests that reach a mutant in an order of its own, so a test
must not see what an earlier one left behind.

django-auditlog sets its actor context (a ContextVar) for every page request and never resets
it, and `salesflow.leads.bulk.audit_created` reads that context: a test that bulk-creates leads
after a test that made page requests writes audit entries naming a user of the earlier test's
rolled-back data, and fails at teardown with an IntegrityError that has nothing to do with the
mutant. Clear the context after every test.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _auditlog_actor_context_reset():
    yield
    from auditlog.context import auditlog_value

    auditlog_value.set({})
