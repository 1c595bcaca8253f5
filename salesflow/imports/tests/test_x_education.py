"""The real X Education lead export, imported through docs/mappings/x_education_leads.json.

The data set is not in the repository: it lives beside the checkout in ../shared/datasets.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from salesflow.imports.models import ImportStatus
from salesflow.imports.services import import_job_create, import_run
from salesflow.leads.models import Lead, LeadStatus

REPO = Path(__file__).resolve().parents[3]
LEADS_CSV = REPO.parent / "shared" / "datasets" / "x_education_leads" / "Leads.csv"
MAPPING = REPO / "docs" / "mappings" / "x_education_leads.json"

pytestmark = pytest.mark.skipif(
    not LEADS_CSV.is_file(),
    reason=f"the X Education data set is not at {LEADS_CSV} (../shared/datasets beside the repo)",
)


def import_x_education(user):
    job = import_job_create(
        user=user,
        file=LEADS_CSV,
        filename=LEADS_CSV.name,
        kind="leads",
        mapping=json.loads(MAPPING.read_text()),
    )
    return import_run(job)


def source_rows() -> dict[str, dict[str, str]]:
    with LEADS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["Prospect ID"]: row for row in csv.DictReader(handle)}


def test_every_x_education_lead_is_imported_once_through_its_quirks(rep):
    rows = source_rows()

    job = import_x_education(rep)

    assert job.status == ImportStatus.DONE, job.message
    assert (job.rows_total, job.created_count, job.error_count) == (9_240, 9_240, 0)
    assert Lead.objects.count() == 9_240
    assert Lead.objects.values("external_id").distinct().count() == 9_240

    leads = {lead.external_id: lead for lead in Lead.objects.all()}
    # No name, email or phone: the Prospect ID identifies a lead, the Lead Number names it.
    some_id, some_row = next(iter(rows.items()))
    assert leads[some_id].last_name == f"X Education lead {some_row['Lead Number']}"
    assert leads[some_id].owner == rep
    # "Google" and "google" are one source.
    spellings = {row["Lead Source"]: pid for pid, row in rows.items()}
    assert leads[spellings["Google"]].source == leads[spellings["google"]].source == "seo"
    assert not Lead.objects.exclude(channel="inbound").exists()
    # "Select" means not answered: it is never stored as a value.
    assert not Lead.objects.filter(industry__iexact="select").exists()
    assert not Lead.objects.filter(notes__contains="Select").exists()
    assert not Lead.objects.filter(region__iexact="unknown").exists()
    # Quoted values with commas stay whole.
    assert Lead.objects.filter(industry="Banking, Investment And Insurance").count() == 338
    # Blank numeric cells leave their line out of the notes instead of failing the row.
    blank_visits = next(pid for pid, row in rows.items() if row["TotalVisits"] == "")
    assert "Total visits" not in leads[blank_visits].notes
    assert "Time on website (seconds)" in leads[blank_visits].notes
    # Converted = 1 is a qualified lead (there is no account or deal to convert it into).
    converted = sum(1 for row in rows.values() if row["Converted"] == "1")
    assert Lead.objects.filter(status=LeadStatus.QUALIFIED).count() == converted == 3_561
    assert Lead.objects.filter(status=LeadStatus.NEW).count() == 9_240 - converted
    assert "Converted in X Education: 1" in leads[next(
        pid for pid, row in rows.items() if row["Converted"] == "1"
    )].notes  # fmt: skip

    again = import_x_education(rep)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 9_240)
    assert Lead.objects.count() == 9_240
