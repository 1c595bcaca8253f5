"""A realistic 10,000-deal export from another CRM, with a few bad rows, in both modes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from django.utils import timezone

from salesflow.customers.models import Account, Contact
from salesflow.imports.models import ImportStatus
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.pipeline.models import Deal, Outcome, StageChange
from salesflow.users.models import User

ROWS = 10_000
HEADER = [
    "Deal ID", "Title", "Organization", "Contact Email", "Contact Name", "Stage", "Status",
    "Value", "Currency", "Owner", "Created", "Closed", "Lost Reason",
]  # fmt: skip
# The other CRM's stages, as our pipeline calls them.
THEIR_STAGES = {
    "Lead In": "Prospecting",
    "Contact Made": "Qualification",
    "Needs Defined": "Needs assessment",
    "Demo Scheduled": "Presentation / demo",
    "Proposal Made": "Proposal and objections",
    "Negotiations Started": "Closing",
}
MAPPING = {
    "kind": "deals",
    "columns": {
        "Deal ID": "external_id",
        "Title": "name",
        "Organization": "account",
        "Contact Email": "contact_email",
        "Contact Name": "contact_name",
        "Stage": "stage",
        "Status": "outcome",
        "Value": "amount",
        "Currency": "currency",
        "Owner": "owner",
        "Created": "created_at",
        "Closed": "closed_at",
        "Lost Reason": "lost_reason",
    },
    "values": {"stage": THEIR_STAGES, "outcome": {"deleted": ""}},
    "create_missing": ["account", "owner", "contact"],
    "required": ["amount"],
    "null_values": ["", "-"],
}
OWNERS = ["rep", "teammate", "manager", "Olivia Former"]
REASONS = ["Price too high", "Lost to a competitor", "", "No budget"]
# index of the data row -> (column, bad value); row number = index + 2 (the header is row 1)
BAD = {
    117: ("Contact Email", "jane.doe@@example.com"),
    2_504: ("Contact Email", "no-at-sign.example.com"),
    6_999: ("Contact Email", "bob@"),
    4_321: ("Stage", "Qualified To Buy"),
    9_000: ("Value", ""),
}
EXPECTED_ERRORS = sorted((index + 2, column) for index, (column, _) in BAD.items())


def export_rows() -> list[list[str]]:
    rng = random.Random(7)
    organisations = [
        f"Company {n:03d} {rng.choice(['GmbH', 'Ltd', 'Inc.', 'SA'])}" for n in range(400)
    ]
    people = [
        (f"person{n}@company{n % 400:03d}.example", f"Person{n} Surname{n}", organisations[n % 400])
        for n in range(1_500)
    ]
    stages = list(THEIR_STAGES)
    start = dt.datetime(2023, 1, 1, 9, 0)
    rows = []
    for index in range(ROWS):
        email, name, organisation = people[rng.randrange(len(people))]
        status = rng.choice(["open", "won", "lost", "won", "lost"])
        created = start + dt.timedelta(days=rng.randrange(700), minutes=rng.randrange(600))
        closed = created + dt.timedelta(days=rng.randrange(5, 120))
        depth = rng.randrange(len(stages))
        stage = "Won" if status == "won" else stages[depth]
        row = {
            "Deal ID": f"D-{index + 1:05d}",
            "Title": f"{organisation.split()[0]} {organisation.split()[1]} - licence {index + 1}",
            "Organization": organisation,
            "Contact Email": email,
            "Contact Name": name,
            "Stage": stage,
            "Status": status,
            "Value": f"{rng.randrange(10, 2_000) * 50:,.2f}",
            "Currency": "EUR",
            "Owner": OWNERS[index % len(OWNERS)],
            "Created": created.strftime("%Y-%m-%d %H:%M"),
            "Closed": closed.strftime("%d/%m/%Y") if status != "open" else "",
            "Lost Reason": rng.choice(REASONS) if status == "lost" else "",
        }
        if index in BAD:
            column, value = BAD[index]
            row[column] = value
        rows.append([row[name] for name in HEADER])
    return rows


@pytest.fixture(scope="module")
def export() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(export_rows())
    return out.getvalue().encode()


def imported(manager, export, mode: str = "valid_rows"):
    return run_import(
        manager, export, kind="deals", mapping=MAPPING, filename="pipedrive-deals.csv", mode=mode
    )


@pytest.fixture
def importer(manager, rep, teammate):
    return manager


def test_valid_rows_are_imported_bad_rows_reported_and_a_reimport_changes_nothing(importer, export):
    # One test, because importing 10,000 deals through the services takes a while.
    job = imported(importer, export)

    assert job.status == ImportStatus.DONE
    assert (job.rows_total, job.created_count, job.error_count) == (ROWS, ROWS - 5, 5)
    assert [(row, column) for row, column, _ in errors_of(job)] == EXPECTED_ERRORS
    messages = {row: message for row, _, message in errors_of(job)}
    assert "Unknown stage 'Qualified To Buy'" in messages[4_321 + 2]
    assert messages[9_000 + 2] == "A value is required here."
    assert "valid email" in messages[117 + 2]
    assert Deal.objects.count() == ROWS - 5
    assert not Deal.objects.filter(external_id__in=["D-00118", "D-04322", "D-09001"]).exists()
    # Unknown owners became inactive users in the importer's team, as create_missing asked.
    former = User.objects.get(first_name="Olivia", last_name="Former")
    assert not former.is_active
    assert list(former.teams.all()) == list(importer.teams.all())
    assert Deal.objects.filter(owner=former).count() == (ROWS - 5) // 4 + 1
    assert Account.objects.count() == 400
    assert Contact.objects.count() <= 1_500

    # Historical deals carry their dates and a believable stage path.
    won = Deal.objects.filter(outcome=Outcome.WON).order_by("pk").first()
    path = list(won.stage_changes.order_by("changed_at", "pk"))
    assert [change.to_stage.name for change in path][-1] == "Won"
    assert len(path) == 7  # every open stage, then Won
    assert path[0].changed_at == won.created_at
    assert path[-1].changed_at == won.closed_at
    assert won.created_at.year in (2023, 2024, 2025)
    lost = Deal.objects.filter(outcome=Outcome.LOST).select_related("lost_reason")
    assert all(deal.lost_reason is not None for deal in lost)
    assert lost.filter(lost_reason__name="Other").exists()  # no reason in the file
    assert lost.filter(lost_reason__name="No budget").exists()
    some_lost = lost.first()
    outcomes = [c.to_outcome for c in some_lost.stage_changes.order_by("changed_at", "pk")]
    assert outcomes[-1] == "lost"
    still_open = Deal.objects.filter(outcome=Outcome.OPEN).first()
    assert still_open.closed_at is None
    assert still_open.stage_entered_at < timezone.now()

    counts = (Deal.objects.count(), StageChange.objects.count(), Account.objects.count())
    again = imported(importer, export)

    assert (again.created_count, again.updated_count) == (0, 0)
    assert again.unchanged_count == job.created_count
    assert [(r, c) for r, c, _ in errors_of(again)] == EXPECTED_ERRORS
    assert (Deal.objects.count(), StageChange.objects.count(), Account.objects.count()) == counts


def test_all_or_nothing_writes_nothing_and_reports_every_error(importer, export):
    job = imported(importer, export, mode="all_or_nothing")

    assert job.status == ImportStatus.FAILED
    assert "nothing was written" in job.message
    assert [(row, column) for row, column, _ in errors_of(job)] == EXPECTED_ERRORS
    assert job.error_count == 5
    assert Deal.objects.count() == 0
    assert Account.objects.count() == 0
    assert not User.objects.filter(last_name="Former").exists()
