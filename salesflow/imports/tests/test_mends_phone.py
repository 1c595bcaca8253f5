"""An import names the row and column of a phone number invalid for the region (issue 12)."""

from __future__ import annotations

import pytest

from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead

LEADS = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name", "Company": "company", "Phone": "phone"},
    "defaults": {"source": "referral"},
}
HEADER = "Email,Name,Company,Phone\n"


@pytest.fixture(autouse=True)
def _us(settings):
    settings.SALESFLOW_PHONE_REGION = "US"


def test_a_local_number_invalid_for_the_region_is_refused_on_its_row_and_column(rep):
    job = run_import(
        rep,
        HEADER + "ada@example.com,Ada Lovelace,,040 123 4567\n"
        "grace@example.com,Grace Hopper,,+49 40 1234567\n",
        mapping=LEADS,
    )
    [(row, column, message)] = errors_of(job)
    assert (row, column) == (2, "Phone")
    assert "not a valid phone number for US" in message
    assert list(Lead.objects.values_list("phone", flat=True)) == ["+49401234567"]
