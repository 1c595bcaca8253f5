"""Cells the importer cannot store or read (issue #14, points 11 and 14): a NUL, a lone
surrogate, a cell over 131,072 characters, an XLSX formula without a saved value. Each is an
error on its row and column; the other rows are imported, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from conftest import client_for
from salesflow.imports.models import ImportRowError, ImportStatus
from salesflow.imports.parsing import MAX_CELL_CHARS
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.imports.tests.test_views import csv_file, draft_of, upload, url
from salesflow.leads.models import Lead

pytestmark = pytest.mark.django_db

MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name", "Notes": "notes", "Company": "company"},
    "defaults": {"source": "other"},
}
NUL_MESSAGE = (
    "This cell holds a NUL character (byte 0), which cannot be stored; remove it from the file."
)


def leads_csv(*rows: str) -> str:
    return "Email,Name,Notes,Company\n" + "".join(f"{row}\n" for row in rows)


def emails() -> set[str]:
    return set(Lead.objects.values_list("email", flat=True))


def test_a_nul_in_a_cell_is_an_error_on_its_row_and_column(rep):
    content = leads_csv(
        "ada@example.com,Ada Lovelace,,",
        "grace@example.com,Grace\x00 Hopper,,",
        "alan@example.com,Alan Turing,,",
    )

    job = run_import(rep, content, mapping=MAPPING)

    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (2, 1)
    assert errors_of(job) == [(3, "Name", NUL_MESSAGE)]
    assert ImportRowError.objects.get().value == "Grace\\u0000 Hopper"
    assert emails() == {"ada@example.com", "alan@example.com"}


def test_all_or_nothing_names_the_nul_and_writes_nothing(rep):
    content = leads_csv("ada@example.com,Ada Lovelace,,", "grace@example.com,Grace,\x00,")

    job = run_import(rep, content, mapping=MAPPING, mode="all_or_nothing")

    assert errors_of(job) == [(3, "Notes", NUL_MESSAGE)]
    assert job.created_count == 0
    assert not Lead.objects.exists()


def test_a_lone_surrogate_is_an_error_on_its_row_and_column(rep):
    # UTF-7, named in the mapping, decodes "+2AA-" to U+D800 alone: no character at all.
    content = leads_csv("ada@example.com,Ada Lovelace,,", "grace@example.com,Grace,+2AA-,")

    job = run_import(rep, content, mapping={**MAPPING, "encoding": "utf-7"})

    assert job.created_count == 1
    [(row, column, message)] = errors_of(job)
    assert (row, column) == (3, "Notes")
    assert message.startswith("This cell holds U+D800, half of a UTF-16 surrogate pair")
    assert ImportRowError.objects.get().value == "\\ud800"
    assert emails() == {"ada@example.com"}


def test_a_cell_over_the_limit_is_a_row_error_not_a_refused_file(rep):
    long_note = "x" * (MAX_CELL_CHARS + 1)
    content = leads_csv(
        f"ada@example.com,Ada Lovelace,{long_note},",
        f"grace@example.com,Grace Hopper,{'y' * 1000},",
    )

    job = run_import(rep, content, mapping=MAPPING)

    assert job.status == ImportStatus.DONE
    assert errors_of(job) == [
        (
            2,
            "Notes",
            "This cell holds 131,073 characters; at most 131,072 can be imported. Shorten it, "
            "or leave the column out of the mapping.",
        )
    ]
    assert len(ImportRowError.objects.get().value) == 200
    assert emails() == {"grace@example.com"}


def test_a_long_cell_in_a_column_the_mapping_ignores_is_not_read(rep):
    content = "Email,Name,Ignored\n" + f"ada@example.com,Ada,{'z' * (MAX_CELL_CHARS + 5)}\n"

    job = run_import(
        rep, content, mapping={**MAPPING, "columns": {"Email": "email", "Name": "full_name"}}
    )

    assert (job.created_count, job.error_count) == (1, 0)


def test_a_nul_in_the_header_refuses_the_file_naming_the_column(rep):
    job = run_import(rep, "Email,Na\x00me\nada@example.com,Ada\n", mapping=MAPPING)

    assert job.status == ImportStatus.FAILED
    assert "row 1, column B" in job.message
    assert "\x00" not in job.message
    assert not Lead.objects.exists()


def test_the_wizard_takes_a_csv_with_a_nul_and_shows_the_row_error(rep):
    client = client_for(rep)
    content = leads_csv("ada@example.com,Ada\x00 Lovelace,,", "grace@example.com,Grace Hopper,,")

    token = draft_of(upload(client, csv_file(content)))
    page = client.get(url("map", token))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name.startswith("column_")}
    mapped = client.post(url("map", token), {**data, "default_source": "other"})
    assert mapped.status_code == 302, mapped.context["form"].errors
    preview = client.get(url("preview", token))

    assert page.status_code == 200
    assert "Ada\\u0000 Lovelace" in page.content.decode()
    assert preview.status_code == 200
    assert "NUL character" in preview.content.decode()


# -- XLSX formulas --------------------------------------------------------------------------


XLSX_MAPPING = {**MAPPING, "columns": {"Email": "email", "Name": "full_name", "Company": "company"}}


def formula_workbook(*, saved_value: str | None) -> bytes:
    """A workbook written by openpyxl, whose formula has no saved value (openpyxl does not
    calculate); with `saved_value`, the sheet is given the value a spreadsheet would save."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Name", "Company"])
    sheet.append(["ada@example.com", "Ada Lovelace", '="Analytical"&" Engines"'])
    sheet.append(["grace@example.com", "Grace Hopper", "Navy"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if saved_value is None:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                before = data
                data = data.replace(b'<c r="C2">', b'<c r="C2" t="str">').replace(
                    b"</f><v />", f"</f><v>{saved_value}</v>".encode()
                )
                assert data != before
            target.writestr(part, data)
    return patched.getvalue()


def test_a_formula_with_its_saved_value_imports_the_value(rep):
    content = formula_workbook(saved_value="Analytical Engines")

    job = run_import(rep, content, mapping=XLSX_MAPPING, filename="leads.xlsx")

    assert (job.created_count, job.error_count) == (2, 0)
    assert Lead.objects.get(email="ada@example.com").company == "Analytical Engines"


def test_a_formula_without_a_saved_value_is_refused_naming_the_cell(rep):
    content = formula_workbook(saved_value=None)

    job = run_import(rep, content, mapping=XLSX_MAPPING, filename="leads.xlsx")

    assert (job.created_count, job.error_count) == (1, 1)
    assert errors_of(job) == [
        (
            2,
            "Company",
            'Cell C2 holds a formula without a saved value (="Analytical"&" Engines"): open and '
            "save the file in a spreadsheet, or paste values.",
        )
    ]
    assert emails() == {"grace@example.com"}
