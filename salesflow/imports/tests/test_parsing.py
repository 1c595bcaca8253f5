from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from salesflow.imports import parsing

ROWS = 'Name,Email,City\nJürgen Müller,j@example.com,Köln\nZoë Ça,z@example.com,"Paris, France"\n'


def write(tmp_path, content: bytes, name: str = "people.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def rows_of(table: parsing.Table) -> list[list]:
    return [record.cells for record in table.records()]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (ROWS.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "utf-8-sig"),
        (ROWS.encode("cp1252"), "cp1252"),
        (ROWS.encode("latin-1"), "cp1252"),
        (ROWS.encode("utf-16"), "utf-16"),
    ],
)
def test_the_encoding_is_detected_and_text_reads_back_unchanged(tmp_path, encoded, encoding):
    table = parsing.table_open(write(tmp_path, encoded), "people.csv")

    assert table.format.encoding == encoding
    assert table.header == ["Name", "Email", "City"]  # no BOM left on "Name"
    assert rows_of(table) == [
        ["Jürgen Müller", "j@example.com", "Köln"],
        ["Zoë Ça", "z@example.com", "Paris, France"],
    ]


def test_a_few_accented_bytes_are_read_as_a_western_spreadsheet(tmp_path):
    """Found by the property test: charset-normalizer calls these bytes Korean (johab)."""
    content = b"Name;Last;Email;Phone;Company\r\nA;\xc5A\xe7;p@example.com;;Company 0\r\n"

    table = parsing.table_open(write(tmp_path, content), "people.csv")

    assert table.format.encoding == "cp1252"
    assert rows_of(table) == [["A", "ÅAç", "p@example.com", "", "Company 0"]]


def test_a_file_that_is_not_text_is_refused_naming_file_row_and_column(tmp_path):
    content = b"Name,Email\nAda,ada@example.com\nBob,\x00\x81\x9d\xff\xfe\x00\x00\x01\n" * 3

    with pytest.raises(parsing.FileError) as refused:
        parsing.table_open(write(tmp_path, content, "export.csv"), "export.csv")

    message = refused.value.message
    assert message.startswith("export.csv, row 3, column 'Email': byte 0x81 cannot be decoded")
    assert (refused.value.row, refused.value.column) == (3, "Email")


def test_a_late_bad_byte_in_a_utf8_file_is_found_before_anything_is_read(tmp_path):
    good = "Name,City\n" + "Ada,Köln\n" * 20_000
    content = good.encode("utf-8") + "Zoë,Köln\n".encode("cp1252")

    table = parsing.table_open(write(tmp_path, content), "people.csv")

    # Mixed files are read in the legacy encoding rather than failing halfway through.
    assert table.format.encoding == "cp1252"


def test_a_mapping_may_name_the_encoding_and_a_wrong_one_is_refused(tmp_path):
    path = write(tmp_path, "Name\nZoë\n".encode())

    with pytest.raises(parsing.FileError, match="row 2, column 'Name'"):
        parsing.table_open(path, "people.csv", encoding="ascii")
    with pytest.raises(parsing.FileError, match="Unknown encoding 'klingon'"):
        parsing.table_open(path, "people.csv", encoding="klingon")


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        ('Name;Amount;Note\nAda;1.234,50;"a; b"\nBob;12,00;x\n', ";"),
        ("Name\tAmount\tNote\nAda\t1234.50\ta, b\nBob\t12\tx\n", "\t"),
        ('Name,Amount,Note\nAda,1234.50,"a, b"\nBob,12,x\n', ","),
    ],
)
def test_the_delimiter_is_sniffed(tmp_path, content, delimiter):
    table = parsing.table_open(write(tmp_path, content.encode()), "amounts.csv")

    assert table.format.delimiter == delimiter
    assert table.header == ["Name", "Amount", "Note"]
    assert len(rows_of(table)[0]) == 3


def test_an_empty_file_has_no_header(tmp_path):
    with pytest.raises(parsing.FileError, match=r"empty\.csv is empty: there is no header row"):
        parsing.table_open(write(tmp_path, b""), "empty.csv")


def test_a_row_with_more_cells_than_the_header_is_a_row_problem(tmp_path):
    table = parsing.table_open(
        write(tmp_path, b"Name,City\nAda,Paris, France\nBob,Rome\n"), "x.csv"
    )

    first, second = table.records()

    assert first.problem is not None
    assert first.problem[0] == "column 3"
    assert "missing its quotes" in first.problem[2]
    assert second.problem is None and second.cells == ["Bob", "Rome"]


def test_short_rows_are_padded_and_blank_rows_are_recognised(tmp_path):
    table = parsing.table_open(write(tmp_path, b"Name,City,Phone\nAda\n,,\n"), "x.csv")

    records = list(table.records())

    assert records[0].cells == ["Ada", None, None]
    assert records[1].is_blank
    assert [r.number for r in records] == [2, 3]


def test_records_can_skip_rows_already_handled(tmp_path):
    content = "N\n" + "".join(f"{n}\n" for n in range(10))
    table = parsing.table_open(write(tmp_path, content.encode()), "n.csv")

    assert [r.cells[0] for r in table.records(skip=7)] == ["7", "8", "9"]
    assert [r.number for r in table.records(skip=7)] == [9, 10, 11]


def test_xlsx_is_read_in_read_only_mode_with_typed_cells(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Created", "Amount", None])
    sheet.append(["Ada", dt.datetime(2024, 3, 31, 10, 30), 1234.5, None])
    sheet.append(["Bob", dt.date(2024, 1, 2), 7, None])
    path = tmp_path / "deals.xlsx"
    workbook.save(path)

    table = parsing.table_open(path, "deals.xlsx")

    assert table.format.type == "xlsx"
    assert table.header == ["Name", "Created", "Amount"]  # trailing empty header cells dropped
    assert rows_of(table) == [
        ["Ada", dt.datetime(2024, 3, 31, 10, 30), 1234.5],
        ["Bob", dt.datetime(2024, 1, 2, 0, 0), 7],
    ]


def _workbook_with_one_big_cell(path, size):
    """A valid workbook whose sheet holds one inline string of `size` letters."""
    small = path.with_name("small.xlsx")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Notes"])
    workbook.save(small)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Notes</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Ada</t></is></c>'
        f'<c r="B2" t="inlineStr"><is><t>{"a" * size}</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for part in source.infolist():
            data = sheet.encode() if part.filename.endswith("sheet1.xml") else source.read(part)
            bomb.writestr(part.filename, data)
    return path


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(tmp_path):
    # 8 MB of one letter packs into a few KB: no real data compresses like that.
    path = _workbook_with_one_big_cell(tmp_path / "bomb.xlsx", 8 * 2**20)
    assert path.stat().st_size < 100_000

    with pytest.raises(parsing.FileError, match=r"bomb.xlsx: its part .* decompression bomb"):
        parsing.table_open(path, "bomb.xlsx")


def test_a_workbook_unpacking_to_more_than_the_limit_is_refused_naming_it(tmp_path, settings):
    settings.SALESFLOW_IMPORT_XLSX_MAX_UNPACKED_BYTES = 2**20
    rows = openpyxl.Workbook()
    for number in range(20_000):
        rows.active.append([f"Lead {number}", f"lead{number}@example.com", number * 7])
    path = tmp_path / "big.xlsx"
    rows.save(path)

    with pytest.raises(parsing.FileError, match=r"big.xlsx unpacks to \d+ MB; at most 1 MB"):
        parsing.table_open(path, "big.xlsx")


def test_a_quote_never_closed_is_an_error_on_its_row_not_one_giant_cell(tmp_path):
    content = 'Name,Notes\nAda,fine\nBob,"starts here\nCid,swallowed\nDee,swallowed\n'
    table = parsing.table_open(write(tmp_path, content.encode()), "quotes.csv")

    with pytest.raises(parsing.FileError, match=r"quotes.csv, row 3: cannot be read as CSV"):
        rows_of(table)


def test_a_column_name_given_twice_is_refused_naming_both_columns(tmp_path):
    path = write(tmp_path, b"Email,Name,email\na@example.com,Ada,b@example.com\n")

    with pytest.raises(parsing.FileError, match=r"row 1: the column name 'email' appears twice"):
        parsing.table_open(path, "twice.csv")
    with pytest.raises(parsing.FileError, match=r"\(columns A and C\)"):
        parsing.table_open(path, "twice.csv")


def test_column_letters_follow_the_spreadsheet_names():
    assert [parsing._column_letter(n) for n in (1, 26, 27, 52, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "AAA",
    ]


def test_a_header_wider_than_any_real_export_is_refused(tmp_path):
    header = ",".join(f"c{number}" for number in range(parsing.MAX_COLUMNS + 1))
    path = write(tmp_path, (header + "\n").encode())

    with pytest.raises(parsing.FileError, match=r"row 1: 1,001 columns; at most 1,000"):
        parsing.table_open(path, "wide.csv")


def test_an_old_xls_workbook_is_refused_with_advice(tmp_path):
    path = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")

    with pytest.raises(parsing.FileError, match=r"old Excel \(.xls\) workbook; save it as .xlsx"):
        parsing.table_open(path, "old.xls")
