"""Schemathesis sends generated requests to every API operation: none may answer 5xx.

The number of examples per operation is FUZZ_EXAMPLES (default 25); the run prints how many
requests were sent in the test summary.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from salesflow.api.api import api
from salesflow.users.services import token_create
from salesflow.wsgi import application
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
REQUESTS_SENT = {"count": 0, "server_errors": 0}


# The schema comes straight from the API object (no request, no database at collection time);
# requests then go through the real WSGI application.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application


@pytest.fixture
def fuzz_headers(db, rep, admin_user, wsgi_keeps_the_test_connection):
    # Some records with small ids, so generated ids sometimes hit real rows.
    for _ in range(3):
        deal = DealFactory(owner=rep)
        ContactFactory(owner=rep, account=deal.account)
        LeadFactory(owner=rep)
        ActivityFactory(owner=rep, deal=deal)
    return {"Authorization": f"Bearer {token_create(user=admin_user)[1]}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_api_operation_answers_with_a_server_error(case, fuzz_headers):
    REQUESTS_SENT["count"] += 1
    try:
        case.call_and_validate(headers=fuzz_headers, checks=[not_a_server_error])
    except Exception:
        REQUESTS_SENT["server_errors"] += 1
        raise
