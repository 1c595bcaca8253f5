"""The real X Education lead export, imported through docs/mappings/x_education_leads.json.

The data set is not in the repository: it lives beside the checkout in ../shared/datasets.
The expected counts are read from the file itself, with the data set's own figures beside them.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from salesflow.customfields.models import CustomField
from salesflow.customfields.selectors import custom_filter_q
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


def import_x_education(user, *, dry_run: bool = False):
    job = import_job_create(
        user=user,
        file=LEADS_CSV,
        filename=LEADS_CSV.name,
        kind="leads",
        mapping=json.loads(MAPPING.read_text()),
        dry_run=dry_run,
    )
    return import_run(job)


def source_rows() -> dict[str, dict[str, str]]:
    with LEADS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["Prospect ID"]: row for row in csv.DictReader(handle)}


def leads_with(**condition: str) -> int:
    """How many leads match one custom field condition, in the filter syntax of lists and API."""
    (name, value), *_ = condition.items()
    return Lead.objects.filter(custom_filter_q("lead", {f"custom.{name}": value})).count()


def answered(rows: dict[str, dict[str, str]], column: str) -> list[str]:
    """The column's values, "Select" and blanks left out, spacing folded."""
    values = (" ".join(row[column].split()) for row in rows.values())
    return [value for value in values if value not in ("", "Select")]


def test_every_x_education_lead_is_imported_once_through_its_quirks(admin_user):
    rows = source_rows()

    job = import_x_education(admin_user)

    assert job.status == ImportStatus.DONE, job.message
    assert (job.rows_total, job.created_count, job.error_count) == (9_240, 9_240, 0)
    assert Lead.objects.count() == 9_240
    assert Lead.objects.values("external_id").distinct().count() == 9_240

    leads = {lead.external_id: lead for lead in Lead.objects.all()}
    # No name, email or phone: the Prospect ID identifies a lead, the Lead Number names it.
    some_id, some_row = next(iter(rows.items()))
    assert leads[some_id].last_name == f"X Education lead {some_row['Lead Number']}"
    assert leads[some_id].owner == admin_user
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
    # Converted = 1 is a qualified lead (there is no account or deal to convert it into).
    converted = sum(1 for row in rows.values() if row["Converted"] == "1")
    assert Lead.objects.filter(status=LeadStatus.QUALIFIED).count() == converted == 3_561
    assert Lead.objects.filter(status=LeadStatus.NEW).count() == 9_240 - converted
    assert "Converted in X Education: 1" in leads[next(
        pid for pid, row in rows.items() if row["Converted"] == "1"
    )].notes  # fmt: skip
    # What went to custom fields is no longer repeated in the notes.
    assert not Lead.objects.filter(notes__contains="Total visits").exists()

    again = import_x_education(admin_user)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 9_240)
    assert Lead.objects.count() == 9_240


def test_x_education_activity_and_origin_land_in_custom_fields_the_mapping_creates(admin_user):
    rows = source_rows()

    job = import_x_education(admin_user)

    assert job.status == ImportStatus.DONE, job.message
    assert "Created the lead custom fields Total visits (total_visits, whole number)" in job.message
    fields = {field.key: field for field in CustomField.objects.filter(kind="lead")}
    assert {key: (fields[key].type, fields[key].is_outcome) for key in fields} == {
        "total_visits": ("number", False),
        "time_on_website": ("number", False),
        "page_views_per_visit": ("decimal", False),
        "last_activity": ("choice", False),
        "lead_origin": ("choice", False),
        "status_tag": ("choice", True),
        "lead_quality": ("choice", True),
        "lead_profile": ("choice", True),
        "last_notable_activity": ("choice", True),
    }
    # Numbers: blanks (137 rows) are no value, not zero.
    visits = [int(v) for v in answered(rows, "TotalVisits")]
    assert leads_with(total_visits__gte="5") == sum(1 for v in visits if v >= 5) == 2_413
    assert leads_with(total_visits__isnull="true") == 9_240 - len(visits) == 137
    seconds = [int(v) for v in answered(rows, "Total Time Spent on Website")]
    assert leads_with(time_on_website__gte="1000") == sum(1 for v in seconds if v >= 1000)
    assert leads_with(time_on_website="0") == seconds.count(0)
    views = [Decimal(v) for v in answered(rows, "Page Views Per Visit")]
    assert leads_with(page_views_per_visit__gte="2.5") == sum(1 for v in views if v >= 2.5)
    assert leads_with(page_views_per_visit__lte="2.33") == sum(1 for v in views if v <= 2.33)
    # Choices: every value of the file, counted; "Select" and blanks are not answered.
    for column, key in [
        ("Last Activity", "last_activity"),
        ("Lead Origin", "lead_origin"),
        ("Tags", "status_tag"),
        ("Lead Quality", "lead_quality"),
        ("Lead Profile", "lead_profile"),
        ("Last Notable Activity", "last_notable_activity"),
    ]:
        counts = Counter(answered(rows, column))
        for value, count in counts.items():
            assert leads_with(**{key: value}) == count, (column, value)
        assert leads_with(**{f"{key}__isnull": "true"}) == 9_240 - counts.total(), column
    assert leads_with(last_activity="Email Opened") == 3_437
    assert leads_with(lead_origin="Lead Add Form") == 718
    assert leads_with(status_tag="Closed by Horizzon") == 358
    assert leads_with(lead_profile__isnull="true") == 6_855  # "Select" or blank
    some_id, some_row = next(iter(rows.items()))
    assert Lead.objects.get(external_id=some_id).custom == {
        "total_visits": 0,
        "time_on_website": 0,
        "page_views_per_visit": 0,
        "last_activity": "page_visited_on_website",
        "lead_origin": "api",
        "status_tag": "interested_in_other_courses",
        "lead_quality": "low_in_relevance",
        "last_notable_activity": "modified",
    }
    assert some_row["Lead Profile"] == "Select"
