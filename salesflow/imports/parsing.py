"""Reading import files: CSV in any common encoding and delimiter, or XLSX, row by row.

Nothing here knows about leads or deals. Files are read lazily (a csv reader over a text
wrapper, openpyxl in read-only mode), so a file of any size takes the same memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer
from django.conf import settings

BLOCK = 1 << 20
SNIFF_CHARS = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Scripts whose legacy encodings charset-normalizer tells apart; anything else is read as cp1252.
NON_LATIN = (
    "Cyrillic", "Greek", "Arabic", "Hebrew", "CJK", "Hiragana", "Katakana", "Hangul", "Thai",
    "Devanagari",
)  # fmt: skip
# Below this many non-ASCII bytes a sample is too small to tell one script from another.
FEW_NON_ASCII = 16
# An XLSX file is a zip archive: its parts may unpack to far more than the upload limit. Real
# workbooks compress their XML about 5 to 20 times; a part that compresses better than this
# (and is big enough to matter) is a decompression bomb, not data.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1 << 20
# More columns than any real export has: a header wider than this is refused.
MAX_COLUMNS = 1000
# The longest cell the importer reads (Python's csv module's own default limit); a longer one
# is an error on its row and column, the other rows are imported (docs/imports.md, "Limits").
MAX_CELL_CHARS = 131_072
# How far the csv reader goes before it gives up on a cell (and so on the file): beyond the
# upload limit, so any file the wizard or the API accepts reaches the row check above.
CSV_FIELD_LIMIT = 64 * 2**20
# Column names are kept with each problem (ImportRowError.column).
MAX_HEADER_CHARS = 255
# What no database column can hold: NUL (PostgreSQL refuses it in text) and the halves of a
# UTF-16 surrogate pair standing alone (not characters; UTF-8 cannot encode them).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class FileError(Exception):
    """The file as a whole cannot be imported. The message names the file, row and column."""

    def __init__(self, message: str, *, row: int = 0, column: str = "", value: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column
        self.value = value


@dataclass(frozen=True)
class FileFormat:
    type: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""

    def describe(self) -> dict[str, str]:
        if self.type == "xlsx":
            return {"type": "xlsx", "sheet": self.sheet}
        return {
            "type": "csv",
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES.get(self.delimiter, self.delimiter),
        }


class FormulaWithoutValue:
    """An XLSX cell holding a formula but no value saved with it: the file was written by a
    program that does not calculate (a script, a library), never opened and saved in a
    spreadsheet. Read as empty it would import nothing without a word, so it is a row error."""

    __slots__ = ("coordinate", "formula")

    def __init__(self, formula: str, coordinate: str) -> None:
        self.formula = formula
        self.coordinate = coordinate

    def __str__(self) -> str:
        return f"={self.formula}" if self.formula else "=(shared formula)"

    def __repr__(self) -> str:
        return f"FormulaWithoutValue({self.formula!r}, {self.coordinate!r})"


def cell_problem(cell: Any) -> str | None:
    """Why this cell cannot be imported, or None: too long, NUL, an unpaired surrogate, or a
    formula without its value. The caller names the row and column."""
    if isinstance(cell, str):
        if len(cell) > MAX_CELL_CHARS:
            return (
                f"This cell holds {len(cell):,} characters; at most {MAX_CELL_CHARS:,} can be "
                "imported. Shorten it, or leave the column out of the mapping."
            )
        found = UNSTORABLE.search(cell)
        if found is None:
            return None
        if found.group() == "\x00":
            return (
                "This cell holds a NUL character (byte 0), which cannot be stored; remove it "
                "from the file."
            )
        return (
            f"This cell holds U+{ord(found.group()):04X}, half of a UTF-16 surrogate pair "
            "standing alone: not a character, so it cannot be stored. Correct the text."
        )
    if isinstance(cell, FormulaWithoutValue):
        where = f"Cell {cell.coordinate}" if cell.coordinate else "This cell"
        return (
            f"{where} holds a formula without a saved value ({cell}): open and save the file in "
            "a spreadsheet, or paste values."
        )
    return None


def cell_shown(cell: Any, limit: int = 200) -> str:
    """A cell as a problem quotes it: at most `limit` characters, with what cannot be stored
    (NUL, lone surrogates) written as escapes, so the problem itself can be kept."""
    text = "" if cell is None else str(cell)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


@dataclass(frozen=True)
class Record:
    """One data row: its number as a spreadsheet shows it (header = 1) and its cells."""

    number: int
    cells: list[Any]
    # (column, value, message) when the row cannot be read as the header says.
    problem: tuple[str, str, str] | None = None

    @property
    def is_blank(self) -> bool:
        return all(
            cell is None or (isinstance(cell, str) and not cell.strip()) for cell in self.cells
        )


class Table:
    """A file with a header row, read lazily as often as needed."""

    def __init__(self, path: Path, filename: str, file_format: FileFormat, header: list[str]):
        self.path = path
        self.filename = filename
        self.format = file_format
        self.header = header

    def records(self, *, skip: int = 0) -> Iterator[Record]:
        """The data rows after the header; `skip` passes over rows already handled (cheaply)."""
        rows = _rows(self.path, self.filename, self.format)
        next(rows, None)  # the header
        width = len(self.header)
        for index, (number, cells) in enumerate(rows):
            if index < skip:
                continue
            extra = [c for c in cells[width:] if c not in (None, "")]
            problem = None
            if extra:
                problem = (
                    f"column {width + 1}",
                    cell_shown(extra[0]),
                    f"This row has {len(cells)} cells but the header has {width} columns; is a "
                    f"value with a {self.delimiter_name} in it missing its quotes?",
                )
            if len(cells) < width:
                cells = [*cells, *([None] * (width - len(cells)))]
            yield Record(number, cells[:width], problem)

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.format.delimiter, "delimiter")

    def count(self) -> int:
        return sum(1 for _ in self.records())


def table_open(
    path: Path | str,
    filename: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Detect the file's format and read its header; FileError when it cannot be imported."""
    path = Path(path)
    file_format = format_detect(path, filename, encoding=encoding, delimiter=delimiter, sheet=sheet)
    first = next(_rows(path, filename, file_format), None)
    if first is None:
        raise FileError(f"{filename} is empty: there is no header row.", row=1)
    header = [_header_cell(cell) for cell in first[1]]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise FileError(f"{filename}, row 1: the header row is empty.", row=1)
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        letter = _column_letter(position)
        if UNSTORABLE.search(name):
            raise FileError(
                f"{filename}, row 1, column {letter}: the column name {cell_shown(name)!r} "
                "holds a NUL character or a lone surrogate, which cannot be stored; correct it.",
                row=1,
                column=f"column {letter}",
            )
        if len(name) > MAX_HEADER_CHARS:
            raise FileError(
                f"{filename}, row 1, column {letter}: the column name has {len(name):,} "
                f"characters; at most {MAX_HEADER_CHARS} are allowed. Is row 1 the header?",
                row=1,
                column=f"column {letter}",
                value=cell_shown(name),
            )
        key = name.casefold()
        if key and key in seen:
            raise FileError(
                f"{filename}, row 1: the column name {name!r} appears twice (columns "
                f"{_column_letter(seen[key])} and {_column_letter(position)}); rename one, "
                "so each column is mapped once.",
                row=1,
                column=name,
            )
        seen.setdefault(key, position)
    if len(header) > MAX_COLUMNS:
        raise FileError(
            f"{filename}, row 1: {len(header):,} columns; at most {MAX_COLUMNS:,} can be imported.",
            row=1,
        )
    return Table(path, filename, file_format, header)


def _column_letter(position: int) -> str:
    """A spreadsheet's name for the column at this 1-based position: A, B, ..., Z, AA, ..."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header_cell(cell: Any) -> str:
    if isinstance(cell, FormulaWithoutValue):
        raise FileError(
            f"Row 1, cell {cell.coordinate}: the column name is a formula without a saved "
            "value; open and save the file in a spreadsheet, or paste values.",
            row=1,
            column=cell.coordinate,
        )
    return "" if cell is None else " ".join(str(cell).replace("\ufeff", "").split())


# -- formats --------------------------------------------------------------------------------


def format_detect(
    path: Path,
    filename: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> FileFormat:
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(filename).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise FileError(
            f"{filename} is an old Excel (.xls) workbook; save it as .xlsx or CSV and try again."
        )
    if head.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return FileFormat(type="xlsx", sheet=_sheet_check(path, filename, sheet))
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError as exc:
            raise FileError(f"Unknown encoding {encoding!r} in the mapping.") from exc
        _decode_check(path, filename, encoding)
    else:
        encoding = encoding_detect(path, filename)
    if delimiter:
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if len(delimiter) != 1:
            raise FileError(f"The mapping's delimiter must be one character, not {delimiter!r}.")
    else:
        delimiter = delimiter_detect(path, encoding)
    return FileFormat(type="csv", encoding=encoding, delimiter=delimiter)


def _sheet_check(path: Path, filename: str, sheet: str | None) -> str:
    workbook = _workbook_open(path, filename)
    try:
        names = workbook.sheetnames
    finally:
        workbook.close()
    if not names:
        raise FileError(f"{filename} has no worksheet.")
    if sheet and sheet not in names:
        raise FileError(
            f"{filename} has no worksheet {sheet!r}; it has: {', '.join(map(repr, names))}."
        )
    return sheet or names[0]


def _xlsx_size_check(path: Path, filename: str) -> None:
    """Refuse a workbook whose parts unpack to too much, before anything is unpacked."""
    limit = settings.SALESFLOW_IMPORT_XLSX_MAX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileError(f"{filename} cannot be read as an Excel workbook ({exc}).") from exc
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit:
        raise FileError(
            f"{filename} unpacks to {unpacked / 2**20:,.0f} MB; at most {limit / 2**20:,.0f} MB "
            "can be imported. Split the workbook or save the sheet as CSV."
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
            raise FileError(
                f"{filename}: its part {part.filename} unpacks {ratio:,.0f} times its packed "
                f"size, far beyond real data (at most {XLSX_MAX_RATIO} times); it is refused "
                "as a decompression bomb."
            )


def _workbook_open(path: Path, filename: str) -> Any:
    import openpyxl

    _xlsx_size_check(path, filename)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileError(f"{filename} cannot be read as an Excel workbook ({exc}).") from exc


def encoding_detect(path: Path, filename: str) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 with BOM, else Windows-1252 or what
    charset-normalizer finds. The whole file is checked, so a bad byte on row 90,000 is found
    before anything is written."""
    with path.open("rb") as handle:
        head = handle.read(4)
    for bom, name in BOMS:
        if head.startswith(bom):
            _decode_check(path, filename, name)
            return name
    bad_offset = _first_undecodable(path, "utf-8")
    if bad_offset is None:
        return "utf-8"
    with path.open("rb") as handle:
        sample = handle.read(BLOCK)
    best = charset_normalizer.from_bytes(sample).best()
    guess = codecs.lookup(best.encoding).name if best is not None else None
    if b"\x00" in sample and not (guess or "").startswith(("utf-16", "utf-32")):
        guess = None  # binary data, not text
    elif (
        best is not None
        and (
            not any(k in a for a in best.alphabets for k in NON_LATIN)
            # A handful of accented bytes cannot tell a script apart: "\xc5A\xe7" reads as
            # Korean (johab) as readily as "ÅAç"; a Western spreadsheet is far more likely.
            or sum(byte > 0x7F for byte in sample) < FEW_NON_ASCII
        )
        and _first_undecodable(path, "cp1252") is None
    ):
        # A sample cannot tell Windows-1252 from its Latin neighbours (cp1250, cp1257, cp775
        # decode the same bytes to other accents); cp1252 is what Excel writes in the West.
        guess = "cp1252"
    if guess is None:
        raise _undecodable(path, filename, bad_offset, "UTF-8, UTF-16 or Windows/Latin-1 text")
    _decode_check(path, filename, guess)
    return guess


def _first_undecodable(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return max(0, offset - pending + exc.start)
            if not block:
                return None
            offset += len(block)


def _decode_check(path: Path, filename: str, encoding: str) -> None:
    bad_offset = _first_undecodable(path, encoding)
    if bad_offset is not None:
        raise _undecodable(path, filename, bad_offset, encoding)


def _undecodable(path: Path, filename: str, offset: int, tried: str) -> FileError:
    """Name the row and column of the first byte that does not decode."""
    with path.open("rb") as handle:
        before = handle.read(offset)
        bad = handle.read(1)
    lines = before.split(b"\n")
    row = len(lines)
    with path.open("rb") as handle:
        header = handle.readline().decode("latin-1").rstrip("\r\n")
    separator = max(DELIMITERS, key=header.count)
    index = lines[-1].decode("latin-1").count(separator)
    names = [name.strip().strip('"') for name in header.split(separator)]
    column = names[index] if index < len(names) and names[index] else f"column {index + 1}"
    return FileError(
        f"{filename}, row {row}, column {column!r}: byte 0x{bad.hex()} cannot be decoded; "
        f"the file is not {tried}. Save it as UTF-8 CSV, or name its encoding in the "
        'mapping ("encoding").',
        row=row,
        column=column,
        value=f"0x{bad.hex()}",
    )


def delimiter_detect(path: Path, encoding: str) -> str:
    """The candidate that splits the first lines into the same, largest number of columns."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="").read(SNIFF_CHARS)
    if len(text) == SNIFF_CHARS and "\n" in text:
        text = text[: text.rindex("\n")]  # drop a partial last line
    best, best_score = ",", (-1, 0)
    for candidate in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=candidate))[:50]
        except csv.Error:
            continue
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for row in rows if len(row) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _rows(path: Path, filename: str, file_format: FileFormat) -> Iterator[tuple[int, list[Any]]]:
    if file_format.type == "xlsx":
        yield from _xlsx_rows(path, filename, file_format.sheet)
    else:
        yield from _csv_rows(path, filename, file_format)


def _csv_rows(
    path: Path, filename: str, file_format: FileFormat
) -> Iterator[tuple[int, list[Any]]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=file_format.encoding, newline="")
        # strict: a quote opened and never closed is an error on its row, instead of
        # swallowing every later row into one cell.
        reader = csv.reader(text, delimiter=file_format.delimiter, strict=True)
        if csv.field_size_limit() < CSV_FIELD_LIMIT:  # process-wide; only ever raised
            csv.field_size_limit(CSV_FIELD_LIMIT)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileError(
                    f"{filename}, row {number + 1}: cannot be read as CSV ({exc}).", row=number + 1
                ) from exc
            number += 1
            yield number, cells


def _xlsx_rows(path: Path, filename: str, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    workbook = _workbook_open(path, filename)
    try:
        yield from _sheet_rows(workbook, workbook[sheet])
    finally:
        workbook.close()


def _sheet_parser_class() -> type:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class SheetParser(WorkSheetParser):
        """openpyxl's reader of a sheet's cells (its values, as saved), telling a formula that
        has no saved value from an empty cell."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            # A formula's text result is t="str"; an empty one is a saved empty value.
            if cell["value"] is None and element.get("t") != "str":
                formula = element.find(FORMULA_TAG)
                if formula is not None:
                    cell["value"] = FormulaWithoutValue(
                        (formula.text or "").strip(), element.get("r") or ""
                    )
            return cell

    return SheetParser


def _sheet_rows(workbook: Any, worksheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows from row 1 (rows the file leaves out are empty), each as long as its
    last cell: what `iter_rows(values_only=True)` of a read-only workbook gives, by the
    SheetParser above."""
    parser_class = _sheet_parser_class()
    with worksheet._get_source() as source:
        parser = parser_class(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            while expected < number:
                yield expected, []
                expected += 1
            values: list[Any] = [None] * max((cell["column"] for cell in cells), default=0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values
            expected = number + 1
