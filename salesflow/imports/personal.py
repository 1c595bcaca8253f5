"""Personal data in imports, for privacy requests (salesflow.core.personal; docs/privacy.md).

An import keeps a person's values in the uploaded file, in its row errors (the cell's value
and the message), in the job's file name and message, and in uploads waiting in the wizard
(drafts). On erasure:

- the stored upload of every job whose rows hold the person is deleted; the job stays, with its
  counts and row errors, as after `imports_cleanup` (it can no longer be run for real);
- the row errors of those rows lose their value, and their messages are searched like any text;
- a draft holding the person is deleted (the wizard asks for the file again);
- every row error, job file name, message and mapping, and every saved mapping, has the
  person's values replaced by "[erased]".

A row holds the person when its cells, read as the importer reads them, carry their email,
phone number or full name; a file that cannot be read as a table is searched as text.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from salesflow.core.personal import Person, PersonalPlace, personal_data_register, text_place
from salesflow.imports import parsing
from salesflow.imports.models import IMPORT_DRAFT_DIR, ImportJob, ImportMapping, ImportRowError

logger = logging.getLogger(__name__)
WHOLE_FILE = 0


def rows_holding(path: Path, filename: str, mapping: dict[str, Any], person: Person) -> list[int]:
    """The numbers of the file's rows holding the person (WHOLE_FILE alone when the file holds
    them but cannot be read row by row)."""
    rows: list[int] = []
    try:
        table = parsing.table_open(
            path,
            filename,
            encoding=mapping.get("encoding"),
            delimiter=mapping.get("delimiter"),
            sheet=mapping.get("sheet"),
        )
        for record in table.records():
            text = " ".join(str(cell) for cell in record.cells if cell not in (None, ""))
            if person.mentions(text):
                rows.append(record.number)
    except Exception:
        logger.info("Searching %s as text for a privacy request", filename, exc_info=True)
    if not rows and _text_mentions(path, person):
        rows.append(WHOLE_FILE)
    return rows


def _text_mentions(path: Path, person: Person) -> bool:
    """Whether the raw file (or, for a zip such as XLSX, any of its parts) mentions the person."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return any(
                    _bytes_mention(archive.read(info), person)
                    for info in archive.infolist()
                    if info.file_size <= 256 * 2**20
                )
        return _bytes_mention(path.read_bytes(), person)
    except (OSError, zipfile.BadZipFile, RuntimeError):
        return False


def _bytes_mention(data: bytes, person: Person) -> bool:
    encodings = ["utf-8", "cp1252"]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encodings.insert(0, "utf-16")
    return any(person.mentions(data.decode(encoding, errors="replace")) for encoding in encodings)


def _jobs_holding(person: Person) -> list[tuple[ImportJob, list[int]]]:
    found = []
    for job in ImportJob.objects.exclude(file="").order_by("pk"):
        try:
            path = Path(job.file.path)
        except (ValueError, NotImplementedError):
            continue
        if not path.exists():
            continue
        rows = rows_holding(path, job.original_filename, job.mapping or {}, person)
        if rows:
            found.append((job, rows))
    return found


def _drafts_holding(person: Person) -> list[str]:
    found = []
    try:
        folders, _ = default_storage.listdir(IMPORT_DRAFT_DIR)
    except (FileNotFoundError, NotImplementedError):
        return []
    for folder in sorted(folders):
        try:
            _, names = default_storage.listdir(f"{IMPORT_DRAFT_DIR}/{folder}")
        except FileNotFoundError:
            continue
        for name in names:
            stored = f"{IMPORT_DRAFT_DIR}/{folder}/{name}"
            if rows_holding(Path(default_storage.path(stored)), name, {}, person):
                found.append(stored)
    return found


def _errors_of_rows(holding: list[tuple[ImportJob, list[int]]]) -> Q:
    match = Q(pk__in=[])
    for job, rows in holding:
        match |= Q(job=job) if WHOLE_FILE in rows else Q(job=job, row_number__in=rows)
    return match


def _texts(holding: list[tuple[ImportJob, list[int]]]) -> list[PersonalPlace]:
    """The text columns: the jobs whose rows hold the person, and those rows' errors, are linked
    to them (searched for their first or last name alone too)."""
    jobs = [job.pk for job, _rows in holding]
    rows = _errors_of_rows(holding)
    return [
        text_place(
            "imports.row_errors", "Import row errors", ImportRowError,
            fields=["column", "value", "message"], linked=lambda person: rows, order=200,
        ),
        text_place(
            "imports.jobs", "Import jobs", ImportJob,
            fields=["original_filename", "mapping", "message"],
            linked=lambda person: Q(pk__in=jobs), order=201,
        ),
        text_place("imports.mappings", "Saved import mappings", ImportMapping, order=202),
    ]  # fmt: skip


def find(person: Person) -> list[dict[str, Any]]:
    holding = _jobs_holding(person)
    items: list[dict[str, Any]] = [
        {"model": "imports.ImportJob", "id": job.pk, "file": job.original_filename, "rows": rows}
        for job, rows in holding
    ]
    items += [
        {"model": "imports.draft", "id": name, "file": name} for name in _drafts_holding(person)
    ]
    for place in _texts(holding):
        items += place.find(person)
    return items


def erase(person: Person) -> int:
    holding = _jobs_holding(person)
    drafts = _drafts_holding(person)
    count = 0
    for place in _texts(holding):
        count += place.erase(person)
    # The values of the rows holding the person go, whatever the message says about them.
    errors = ImportRowError.objects.filter(_errors_of_rows(holding)).exclude(value="")
    count += errors.update(value="")
    names = [job.file.name for job, _rows in holding]
    count += ImportJob.objects.filter(pk__in=[job.pk for job, _rows in holding]).update(file="")
    names += drafts
    count += len(drafts)

    # Files are not transactional: they go once the erasure is committed (a job naming the same
    # stored file keeps it).
    def delete() -> None:
        shared = set(ImportJob.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name not in shared:
                default_storage.delete(name)

    transaction.on_commit(delete)
    return count


def personal_register() -> None:
    columns = (*(c for place in _texts([]) for c in place.columns), "imports.ImportJob.file")
    personal_data_register(
        PersonalPlace(
            "imports",
            "Import files, drafts, row errors and mappings",
            find,
            erase,
            columns=columns,
            order=200,
        )
    )
