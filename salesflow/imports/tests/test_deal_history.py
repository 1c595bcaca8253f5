"""Historical deals keep their real stage dates; what no column gives is stored as estimated,
and a deal row may leave the account blank (issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from salesflow.imports.mapping import mapping_check
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.pipeline.models import Deal, StageChange
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC)
MAPPING = {
    "kind": "deals",
    "columns": {"ID": "external_id", "Org": "account", "Stage": "stage",
                "Created": "created_at", "Closed": "closed_at"},
    "stage_dates": {"Needs assessment": "Engaged"},
    "date_format": "Y-m-d",
}  # fmt: skip
HEADER = "ID,Org,Stage,Created,Engaged,Closed\n"


def noon(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")


def history_of(deal: Deal) -> list[tuple[str, dt.datetime, bool]]:
    changes = deal.stage_changes.order_by("changed_at", "pk")
    return [(c.to_stage.name, c.changed_at, c.is_estimated) for c in changes]


@pytest.fixture
def acme(admin_user):
    return AccountFactory(name="Acme", owner=admin_user)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_stage_dates_from_columns_are_used_exactly(admin_user, acme):
    content = HEADER + "D1,Acme,Needs assessment,2024-01-10,2024-02-01,\n"

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING)

    deal = Deal.objects.get()
    assert history_of(deal) == [
        ("Prospecting", noon("2024-01-10"), False),
        ("Qualification", noon("2024-01-21"), True),  # halfway, estimated
        ("Needs assessment", noon("2024-02-01"), False),
    ]
    assert (deal.created_at, deal.stage_entered_at) == (noon("2024-01-10"), noon("2024-02-01"))
    assert "1 stage moment was estimated" in job.message


def test_a_won_deal_closes_on_its_closed_column(admin_user, acme):
    content = HEADER + "D1,Acme,Won,2024-01-10,2024-02-01,2024-05-02\n"

    run_import(admin_user, content, kind="deals", mapping=MAPPING)

    deal = Deal.objects.get()
    path = history_of(deal)
    assert path[2] == ("Needs assessment", noon("2024-02-01"), False)
    assert path[-1] == ("Won", noon("2024-05-02"), False)
    assert deal.closed_at == noon("2024-05-02")
    assert [estimated for _, _, estimated in path] == [False, True, False, True, True, True, False]


def test_missing_moments_are_flagged_estimated_and_counted_in_the_summary(admin_user, acme):
    content = HEADER + "D1,Acme,Qualification,,,\nD2,Acme,Needs assessment,,2024-03-01,\n"

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING)

    first, second = Deal.objects.order_by("external_id")
    # No date at all: the deal keeps the import's moment, and says it is estimated.
    assert first.created_at == NOW
    assert history_of(first) == [("Prospecting", NOW, True), ("Qualification", NOW, True)]
    assert [estimated for _, _, estimated in history_of(second)] == [True, True, False]
    assert "4 stage moments were estimated" in job.message
    assert StageChange.objects.filter(is_estimated=True).count() == 4


def test_a_dry_run_says_how_many_moments_would_be_estimated(admin_user, acme):
    job = run_import(
        admin_user, HEADER + "D1,Acme,Qualification,,,\n", kind="deals", mapping=MAPPING,
        dry_run=True,
    )  # fmt: skip

    assert "2 stage moments would be estimated" in job.message
    assert not Deal.objects.exists()


def test_a_later_stage_dated_before_creation_is_refused_naming_both_columns(admin_user, acme):
    content = HEADER + "D1,Acme,Needs assessment,2024-03-01,2024-02-01,\n"

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING)

    ((row, column, message),) = errors_of(job)
    assert (row, column) == (2, "Engaged")
    assert "Engaged (2024-02-01" in message and "Created (2024-03-01" in message
    assert not Deal.objects.exists() and not StageChange.objects.exists()


def test_a_deal_closed_before_it_was_created_is_refused_naming_both_columns(admin_user, acme):
    content = HEADER + "D1,Acme,Lost,2024-03-01,,2024-01-05\n"

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING, mode="all_or_nothing")

    ((row, column, message),) = errors_of(job)
    assert (row, column) == (2, "Closed")
    assert "Closed (2024-01-05" in message and "Created (2024-03-01" in message
    assert not Deal.objects.exists() and not StageChange.objects.exists()


def test_a_stage_date_for_a_stage_the_pipeline_lacks_is_refused_on_its_column(admin_user, acme):
    mapping = {**MAPPING, "stage_dates": {"Engagement": "Engaged"}}

    job = run_import(
        admin_user, HEADER + "D1,Acme,Qualification,,2024-02-01,\n", kind="deals",
        mapping=mapping,
    )  # fmt: skip

    ((_, column, message),) = errors_of(job)
    assert column == "Engaged" and "'Engagement', which is not a stage" in message
    assert not Deal.objects.exists()


def test_stage_dates_are_for_deals_only():
    with pytest.raises(ValidationError) as refused:
        mapping_check({"columns": {"Name": "name"}, "stage_dates": {"Won": "Won on"}}, "accounts")

    assert '"stage_dates" is for deals' in str(refused.value)


def test_a_deal_row_with_a_blank_account_gives_a_deal_without_account(admin_user, acme):
    content = HEADER + "D1,,Qualification,2024-01-10,,\nD2,Acme,Qualification,2024-01-10,,\n"

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING)

    assert job.created_count == 2 and errors_of(job) == []
    without = Deal.objects.get(external_id="D1")
    assert (without.account, without.name) == (None, "Deal #D1")
    assert Deal.objects.get(external_id="D2").account == acme


def test_a_blank_account_is_refused_when_the_mapping_requires_one(admin_user):
    mapping = {**MAPPING, "required": ["account"]}

    job = run_import(admin_user, HEADER + "D1,,Qualification,2024-01-10,,\n", kind="deals",
                     mapping=mapping)  # fmt: skip

    assert errors_of(job) == [(2, "Org", "A value is required here.")]
    assert not Deal.objects.exists()


def test_a_reimport_of_a_deal_without_account_matches_it(admin_user):
    content = HEADER + "D1,,Qualification,2024-01-10,,\n"
    run_import(admin_user, content, kind="deals", mapping=MAPPING)

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING)

    assert (job.created_count, job.unchanged_count, Deal.objects.count()) == (0, 1, 1)
