"""Number ranges in mappings (employees to size bands) and the company facts of accounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from salesflow.customers.models import Account, Contact
from salesflow.imports.mapping import mapping_check
from salesflow.imports.models import ImportStatus
from salesflow.imports.tests.conftest import errors_of, run_import

pytestmark = pytest.mark.django_db

BANDS = [[1, 10, "1-10"], [11, 50, "11-50"], [51, 200, "51-200"], [201, 1000, "201-1000"],
         [1001, None, "1000+"]]  # fmt: skip
ACCOUNTS = {
    "kind": "accounts",
    "columns": {"Company": "name", "Employees": "employee_count", "Revenue": "annual_revenue",
                "Founded": "founded_year", "Group": "parent"},
    "templates": {"size_band": "{Employees}"},
    "ranges": {"size_band": BANDS},
    "defaults": {"currency": "USD"},
}  # fmt: skip


def problems(mapping: dict, kind: str = "accounts") -> list[str]:
    with pytest.raises(ValidationError) as refused:
        mapping_check(mapping, kind)
    return refused.value.message_dict["mapping"]


def test_employee_counts_become_size_bands_including_the_open_ended_one(admin_user):
    job = run_import(
        admin_user,
        "Company,Employees,Revenue,Founded,Group\n"
        'Tiny,1,,,\nSmall,10,,,\nMid,11,,,\nBig,"12,000","$ 4,500,000",1987,\n',
        kind="accounts",
        mapping=ACCOUNTS,
    )

    assert job.status == ImportStatus.DONE, job.message
    bands = dict(Account.objects.values_list("name", "size_band"))
    assert bands == {"Tiny": "1-10", "Small": "1-10", "Mid": "11-50", "Big": "1000+"}
    big = Account.objects.get(name="Big")
    assert (big.employee_count, big.annual_revenue, big.currency, big.founded_year) == (
        12_000,
        4_500_000,
        "USD",
        1987,
    )


def test_a_number_in_no_range_or_no_number_is_an_error_on_its_row(admin_user):
    mapping = {
        "kind": "accounts",
        "columns": {"Company": "name", "Employees": "size_band"},
        "ranges": {"size_band": [[1, 10, "1-10"]]},
    }

    job = run_import(
        admin_user, "Company,Employees\nHuge,5000\nVague,many\n", kind="accounts", mapping=mapping
    )

    found = errors_of(job)
    assert (2, "Employees", "5000 is in none of the ranges of size_band; add a "
            'range for it to the mapping\'s "ranges".') in found  # fmt: skip
    assert any(row == 3 and "'many' is not a number" in message for row, _, message in found)
    assert not Account.objects.exists()


def test_a_range_applies_before_the_value_table(admin_user):
    mapping = {
        "kind": "accounts",
        "columns": {"Company": "name", "Staff": "size_band"},
        "ranges": {"size_band": [[0, 49, "small"], [50, None, "big"]]},
        "values": {"size_band": {"small": "11-50", "big": "1000+"}},
    }

    run_import(admin_user, "Company,Staff\nA,12\nB,5000\n", kind="accounts", mapping=mapping)

    assert dict(Account.objects.values_list("name", "size_band")) == {"A": "11-50", "B": "1000+"}


def test_overlapping_ranges_are_refused_naming_the_entries():
    mapping = {**ACCOUNTS, "ranges": {"size_band": [[1, 10, "1-10"], [10, 50, "11-50"]]}}

    assert problems(mapping) == [
        'ranges.size_band[2] [10, 50, "11-50"] overlaps ranges.size_band[1] [1, 10, "1-10"].'
    ]


def test_an_open_ended_range_overlaps_every_range_above_it():
    mapping = {**ACCOUNTS, "ranges": {"size_band": [[1000, None, "1000+"], [2000, 3000, "1000+"]]}}

    assert problems(mapping) == [
        'ranges.size_band[2] [2000, 3000, "1000+"] overlaps ranges.size_band[1] '
        '[1000, null, "1000+"].'
    ]


def test_reversed_bounds_and_values_that_are_no_choice_are_refused_naming_the_entry():
    mapping = {
        **ACCOUNTS,
        "ranges": {"size_band": [[50, 11, "11-50"], [51, 200, "medium"], ["a", 3, "1-10"]]},
    }

    found = problems(mapping)

    assert (
        'ranges.size_band[1] [50, 11, "11-50"]: the low bound 50 is above the high bound 11.'
        in (found)
    )
    assert any(
        p.startswith('ranges.size_band[2] [51, 200, "medium"]: Unknown size band') for p in found
    )
    assert any(p.startswith('ranges.size_band[3] ["a", 3, "1-10"]: the bounds') for p in found)


def test_ranges_of_a_field_no_column_fills_are_refused():
    mapping = {"kind": "accounts", "columns": {"Company": "name"},
               "ranges": {"size_band": BANDS, "colour": BANDS}}  # fmt: skip

    found = problems(mapping)

    assert "ranges: no column maps to 'size_band'." in found
    assert "ranges: accounts have no field 'colour'." in found


def test_an_account_import_links_parents_found_by_name_earlier_in_the_file(admin_user):
    job = run_import(
        admin_user,
        "Company,Group\nAcme Holding,\nAcme Freight,ACME HOLDING\nOrphan,Nobody Inc\n",
        kind="accounts",
        mapping={"kind": "accounts", "columns": {"Company": "name", "Group": "parent"}},
    )

    freight = Account.objects.get(name="Acme Freight")
    assert freight.parent == Account.objects.get(name="Acme Holding")
    assert errors_of(job) == [
        (4, "Group", "No account 'Nobody Inc' that you can see. Import the parent accounts "
         "first (or earlier in the file).")
    ]  # fmt: skip
    assert not Account.objects.filter(name="Orphan").exists()


def test_a_contact_import_gives_the_accounts_it_creates_their_facts(admin_user):
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "last_name", "Company": "account",
                    "Employees": "account_employee_count", "Industry": "account_industry"},
        "create_missing": ["account"],
    }  # fmt: skip
    existing = Account.objects.create(name="Known Ltd", name_key="known ltd", industry="Retail")

    job = run_import(
        admin_user,
        "Name,Company,Employees,Industry\n"
        "Lovelace,New Co,42,Software\nBabbage,Known Ltd,9,Mining\n",
        kind="contacts",
        mapping=mapping,
    )

    assert job.error_count == 0, errors_of(job)
    new = Account.objects.get(name="New Co")
    assert (new.employee_count, new.industry) == (42, "Software")
    existing.refresh_from_db()
    assert (existing.employee_count, existing.industry) == (None, "Retail")
    assert Contact.objects.get(last_name="Babbage").account == existing


def test_a_deal_import_gives_the_accounts_it_creates_their_facts(admin_user):
    mapping = {
        "kind": "deals",
        "columns": {"ID": "external_id", "Company": "account", "Stage": "stage",
                    "Revenue": "account_annual_revenue", "Founded": "account_founded_year"},
        "create_missing": ["account"],
    }  # fmt: skip
    Account.objects.create(name="Known Ltd", name_key="known ltd", founded_year=1950)

    job = run_import(
        admin_user,
        "ID,Company,Stage,Revenue,Founded\nD1,New Co,Prospecting,1200.5,2001\n"
        "D2,Known Ltd,Prospecting,99,2020\n",
        kind="deals",
        mapping=mapping,
    )

    assert job.error_count == 0, errors_of(job)
    new = Account.objects.get(name="New Co")
    assert (new.annual_revenue, new.founded_year) == (Decimal("1200.5"), 2001)
    assert Account.objects.get(name="Known Ltd").founded_year == 1950
