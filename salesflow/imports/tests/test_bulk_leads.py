"""New leads are written in bulk per chunk (issue 10 point 2): a handful of statements per
chunk, not eight per row; the same per-row errors, in-chunk duplicates and audit entries."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.bulk import LeadsBulkCreate
from salesflow.leads.models import Lead

pytestmark = pytest.mark.django_db

MAPPING = {
    "kind": "leads",
    "columns": {"First": "first_name", "Last": "last_name", "Email": "email", "Owner": "owner"},
    "defaults": {"source": "other"},
}


def csv_of(rows: list[tuple[str, str, str, str]]) -> str:
    return "First,Last,Email,Owner\n" + "".join(",".join(row) + "\n" for row in rows)


def test_statements_do_not_grow_with_the_rows(rep):
    def statements(count: int, offset: int) -> int:
        rows = [("Ada", f"L{n}", f"a{n}@example.com", "rep") for n in range(offset, offset + count)]
        with CaptureQueriesContext(connection) as queries:
            job = run_import(rep, csv_of(rows), mapping=MAPPING)
        assert job.created_count == count
        return len(queries)

    few, many = statements(20, 0), statements(400, 1000)
    # Multi-row INSERTs of about 20 leads and 70 audit entries each: never a statement per row.
    assert many - few <= 400 // 15
    assert Lead.objects.count() == 420
    assert LogEntry.objects.filter(content_type__model="lead", action=0).count() == 420


def test_a_row_repeating_an_earlier_row_of_the_chunk_updates_the_lead_it_created(rep):
    # The first row names the owner (looked up row by row); the next two are staged in bulk.
    rows = [("Grace", "Hopper", "g@example.com", "rep"), ("Ada", "Lovelace", "ada@example.com",
            "rep"), ("Ada", "King", "ada@example.com", "rep")]  # fmt: skip
    job = run_import(rep, csv_of(rows), mapping=MAPPING)
    assert (job.created_count, job.updated_count, job.error_count) == (2, 1, 0)
    assert Lead.objects.get(email="ada@example.com").last_name == "King"


def test_a_row_the_database_refuses_is_an_error_and_the_others_are_written(rep, monkeypatch):
    original = LeadsBulkCreate.insert

    def refusing(self, leads, **kwargs):
        if any(lead.last_name == "Refused" for lead in leads):
            raise IntegrityError("refused by the database")
        return original(self, leads, **kwargs)

    monkeypatch.setattr(LeadsBulkCreate, "insert", refusing)
    rows = [("Ada", "Lovelace", "ada@example.com", "rep"), ("Bob", "Refused", "b@example.com",
            "rep"), ("Grace", "Hopper", "g@example.com", "rep")]  # fmt: skip
    job = run_import(rep, csv_of(rows), mapping=MAPPING)
    assert (job.created_count, job.error_count) == (2, 1)
    assert errors_of(job) == [(3, "", "refused by the database")]
    assert sorted(Lead.objects.values_list("last_name", flat=True)) == ["Hopper", "Lovelace"]
    assert LogEntry.objects.filter(content_type__model="lead").count() == 2


def test_refused_rows_of_a_chunk_keep_their_messages_and_valid_ones_are_written(rep, outsider):
    rows = [("Ada", "Lovelace", "ada@example.com", "rep"), ("Bob", "B", "not-an-email", "rep"),
            ("Cy", "C", "c@example.com", "outsider"), ("Di", "D", "d@e.com", "rep")]  # fmt: skip
    job = run_import(rep, csv_of(rows), mapping=MAPPING)
    assert (job.created_count, job.error_count) == (2, 2)
    problems = errors_of(job)
    assert [(row, column) for row, column, _ in problems] == [(3, "Email"), (4, "Owner")]
    assert "assign records to people in your teams" in problems[1][2]
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "d@e.com",
    ]
