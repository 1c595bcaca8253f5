"""Properties of the importer over generated files: whatever the names, encoding and delimiter,
valid rows become leads, bad rows become errors that point into the file, and a re-import
creates nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesflow.customers.models import Account
from salesflow.imports.models import ImportStatus
from salesflow.imports.tests.conftest import run_import
from salesflow.leads.models import Lead

pytestmark = pytest.mark.django_db

HEADER = ["First Name", "Last Name", "E-Mail", "Phone", "Company"]
MAPPING = {
    "kind": "leads",
    "columns": {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-Mail": "email",
        "Phone": "phone",
        "Company": "company",
    },
    "defaults": {"source": "other"},
}
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßñøÅçÉ"
# Punctuation that needs quoting in a CSV, and letters Latin-1 cannot hold.
NAME_CHARS = LATIN + " ,\"'-" + "ŁžΩ中ğ"
INVALID_EMAILS = ("{i}@@example.com", "person {i} at example.com", "p{i}@example", "@example.com")
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

names = st.text(NAME_CHARS, min_size=1, max_size=24).filter(lambda s: s.strip(" ,\"'-"))


@dataclass
class Person:
    first: str
    last: str
    email_kind: str  # valid, invalid or blank
    has_phone: bool

    def cells(self, index: int) -> list[str]:
        email = {
            "valid": f"Person.{index}@Example.COM",
            "invalid": INVALID_EMAILS[index % len(INVALID_EMAILS)].format(i=index),
            "blank": "",
        }[self.email_kind]
        phone = f"+49 30 {1234500 + index}" if self.has_phone else ""
        # Unique per row, so no two rows are the same person by name and company either.
        return [self.first, self.last, email, phone, f"Company {index}"]

    @property
    def is_valid(self) -> bool:
        return self.email_kind != "invalid"


people = st.lists(
    st.builds(
        Person,
        first=names,
        last=names,
        email_kind=st.sampled_from(["valid", "valid", "invalid", "blank"]),
        has_phone=st.booleans(),
    ),
    min_size=1,
    max_size=8,
)
people_found_again = st.lists(
    st.one_of(
        st.builds(
            Person,
            first=names,
            last=names,
            email_kind=st.sampled_from(["valid", "invalid"]),
            has_phone=st.booleans(),
        ),
        st.builds(
            Person, first=names, last=names, email_kind=st.just("blank"), has_phone=st.just(True)
        ),
        # Found again by name alone (its stored key), whatever the letters.
        st.builds(
            Person, first=names, last=names, email_kind=st.just("blank"), has_phone=st.just(False)
        ),
    ),
    min_size=1,
    max_size=8,
)
file_formats = st.tuples(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]), st.sampled_from(",;"))


def csv_bytes(rows: list[Person], encoding: str, delimiter: str) -> tuple[bytes, str]:
    """The file, and the encoding used: UTF-8 when Latin-1 cannot hold the names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for index, person in enumerate(rows):
        writer.writerow(person.cells(index))
    text = buffer.getvalue()
    try:
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return text.encode("utf-8"), "utf-8"


def rolled_back(test):
    """Each generated example starts from the same database: undo what it wrote."""

    def run(*args, **kwargs):
        with transaction.atomic():
            test(*args, **kwargs)
            transaction.set_rollback(True)

    return run


@SETTINGS
@given(rows=people, file_format=file_formats)
def test_valid_rows_are_created_and_every_error_points_into_the_file(rep, rows, file_format):
    @rolled_back
    def example() -> None:
        content, _ = csv_bytes(rows, *file_format)
        good = [index + 2 for index, person in enumerate(rows) if person.is_valid]
        bad = [index + 2 for index, person in enumerate(rows) if not person.is_valid]

        job = run_import(rep, content, mapping=MAPPING)

        assert job.status == ImportStatus.DONE, job.message
        assert (job.created_count, job.error_count) == (len(good), len(bad)), job.message
        problems = list(job.errors.values_list("row_number", "column"))
        assert {row for row, _ in problems} == set(bad)
        assert all(column in HEADER for _, column in problems), problems
        assert Lead.objects.count() == len(good)
        emails = {
            f"person.{row - 2}@example.com" for row in good if rows[row - 2].email_kind == "valid"
        }
        assert emails <= set(Lead.objects.values_list("email", flat=True))

    example()


@SETTINGS
@given(rows=people_found_again, file_format=file_formats)
def test_a_reimport_of_the_same_file_creates_nothing(rep, rows, file_format):
    @rolled_back
    def example() -> None:
        content, _ = csv_bytes(rows, *file_format)
        valid = sum(1 for person in rows if person.is_valid)
        run_import(rep, content, mapping=MAPPING)

        again = run_import(rep, content, mapping=MAPPING)

        assert again.created_count == 0, again.message
        assert again.unchanged_count == valid, again.message
        assert Lead.objects.count() == valid

    example()


@pytest.mark.parametrize("last_name", ["Åberg", "Strauß"])
def test_a_reimport_finds_a_lead_by_a_name_with_non_ascii_capitals(rep, last_name):
    content = f"First Name,Last Name,E-Mail,Phone,Company\r\nAda,{last_name},,,Acme\r\n"
    run_import(rep, content, mapping=MAPPING)

    again = run_import(rep, content, mapping=MAPPING)

    assert (again.created_count, Lead.objects.count()) == (0, 1)


@SETTINGS
@given(rows=people, file_format=file_formats)
def test_all_or_nothing_writes_every_row_or_none(rep, rows, file_format):
    @rolled_back
    def example() -> None:
        content, _ = csv_bytes(rows, *file_format)
        all_valid = all(person.is_valid for person in rows)

        job = run_import(rep, content, mapping=MAPPING, mode="all_or_nothing")

        assert job.status == (ImportStatus.DONE if all_valid else ImportStatus.FAILED)
        assert Lead.objects.count() == (len(rows) if all_valid else 0)
        assert job.error_count == sum(1 for person in rows if not person.is_valid)

    example()


def test_a_reimport_finds_an_account_by_a_name_with_non_ascii_capitals(rep):
    name = "Ärzte GmbH"
    mapping = {"kind": "accounts", "columns": {"Name": "name"}}
    run_import(rep, "Name\r\nÄrzte GmbH\r\n", kind="accounts", mapping=mapping)

    again = run_import(rep, f"Name\r\n{name}\r\n", kind="accounts", mapping=mapping)

    assert again.created_count == 0
    assert Account.objects.filter(name__icontains="rzte").count() == 1
