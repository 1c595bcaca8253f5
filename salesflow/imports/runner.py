"""Running an import job: chunks, transactions, the checkpoint, counts and row errors.

- "Import the valid rows": each chunk of rows is one transaction that also moves the job's
  checkpoint (`rows_processed`) and stores the chunk's errors. A process killed mid-chunk loses
  that chunk only; running the job again resumes after the last committed chunk, and rows that
  were written anyway are matched by their keys, never duplicated.
- "All or nothing": the whole file is one transaction. Every row goes through the services;
  if any row has an error the transaction is rolled back and every error is reported.
- A dry run is the same single transaction, always rolled back.

Custom fields that the mapping's `custom_fields` section defines and that do not exist yet are
created when a run that writes starts, in the transaction that marks the job running (so before
any row, and kept whatever becomes of the rows). A dry run or a preview checks values against the
unsaved definitions instead.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.core.normalize import default_phone_region
from salesflow.customfields.models import CustomField
from salesflow.customfields.selectors import custom_fields_cached
from salesflow.imports import parsing
from salesflow.imports.custom import (
    custom_fields_create,
    custom_fields_plan_of,
    custom_fields_refusal,
    fields_text,
    record_kind,
)
from salesflow.imports.kinds import RunContext
from salesflow.imports.mapping import CellError, RowMapper
from salesflow.imports.models import (
    ImportJob,
    ImportMode,
    ImportRowError,
    ImportStatus,
)
from salesflow.imports.resolver import Resolver
from salesflow.imports.rows import RowResult, rows_handle
from salesflow.imports.values import RowOptions, date_format_normalise, date_order_evidence
from salesflow.leads.scoring import scoring_deferred

CHUNK_ROWS = 1000


# Writers are let in (the pause below) at most once per this many seconds of importing, so
# the pause costs at most a tenth of the import however fast its chunks are.
WRITER_PAUSE_EVERY_S = 1.0


def _let_writers_in(last_pause: float) -> float:
    """SQLite has one writer at a time, and a writer waiting for the lock only looks again every
    100 ms: an import that starts its next chunk the moment it commits can keep a user's save
    waiting for most of the busy timeout (18.9 s of 20 in `make load`). A pause between chunks
    (SALESFLOW_IMPORT_WRITER_PAUSE_MS, 100 by default) lets one in, once at least
    WRITER_PAUSE_EVERY_S has passed since the last pause (a pause after every chunk of 1,000
    fast rows would double the import's time). PostgreSQL locks rows, not the database: no
    pause there. Returns the moment of the last pause (`time.monotonic()`)."""
    pause = settings.SALESFLOW_IMPORT_WRITER_PAUSE_MS
    if pause <= 0 or connection.vendor != "sqlite":
        return last_pause
    if time.monotonic() - last_pause < WRITER_PAUSE_EVERY_S:
        return last_pause
    time.sleep(pause / 1000)
    return time.monotonic()


# Problems stored per job; beyond this only the count of rows with errors grows.
MAX_STORED_ERRORS = 10_000
VALUE_CHARS = 500
# Countries that write dates month first; elsewhere an ambiguous 03/04/2024 is 3 April.
MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "BZ"}
# A job whose runner on another machine has not reported for this long is taken as crashed.
STALE_AFTER = 15 * 60

Progress = Callable[[ImportJob], None]


class _Rollback(Exception):
    """Undo the transaction: a dry run, a preview, or all-or-nothing with an error."""


class _Refused(Exception):
    """The run cannot start (its custom fields cannot be created); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    processed: int = 0
    problems: list[ImportRowError] = field(default_factory=list)

    @classmethod
    def of(cls, job: ImportJob) -> _Tally:
        return cls(
            created=job.created_count,
            updated=job.updated_count,
            unchanged=job.unchanged_count,
            skipped=job.skipped_count,
            errors=job.error_count,
            processed=job.rows_processed,
        )

    def count(self, action: str) -> None:
        setattr(self, action, getattr(self, action) + 1)

    def fields(self) -> dict[str, int]:
        return {
            "created_count": self.created,
            "updated_count": self.updated,
            "unchanged_count": self.unchanged,
            "skipped_count": self.skipped,
            "error_count": self.errors,
            "rows_processed": self.processed,
        }


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def runner_alive(job: ImportJob) -> bool:
    """Whether another process may still be running the job (so it must not be resumed)."""
    host, _, pid_text = job.runner.rpartition(":")
    if not host or not pid_text.isdigit():
        return False
    if host != socket.gethostname():
        age = (timezone.now() - job.updated_at).total_seconds()
        return age < STALE_AFTER
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process: an earlier attempt here ended without finishing
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def import_run(
    job: ImportJob, *, progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS
) -> ImportJob:
    """Run (or resume) the job to its end and return it with its final counts."""
    try:
        job, fields_created = _claim(job)
    except _Refused as exc:
        _fail(job, exc.message)
        job.refresh_from_db()
        return job
    try:
        _Run(job, progress=progress, chunk_rows=chunk_rows, fields_created=fields_created).run()
    except parsing.FileError as exc:
        _fail(job, exc.message, row=exc.row, column=exc.column, value=exc.value)
    except Exception as exc:
        _fail(job, f"The import stopped on an unexpected error: {exc!r}")
        raise
    job.refresh_from_db()
    return job


def _claim(job: ImportJob) -> tuple[ImportJob, list[CustomField]]:
    """Mark the job running and, unless it is a dry run, create the custom fields its mapping
    defines and does not find; _Refused (and nothing changed) when they cannot be created."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise ValidationError(f"Import #{job.pk} has already finished ({job.status}).")
        if job.status == ImportStatus.RUNNING and runner_alive(job):
            raise DomainError(f"Import #{job.pk} is running in process {job.runner}.")
        job.status = ImportStatus.RUNNING
        job.runner = runner_id()
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "runner", "started_at", "updated_at"])
        created = [] if job.is_dry_run else _custom_fields_prepare(job)
    return job, created


def _custom_fields_prepare(job: ImportJob) -> list[CustomField]:
    """Create the fields the mapping's section defines that do not exist (yet), as the job's
    creator, who must be an admin. The definitions are read again: they may have changed since
    the job was created."""
    plan = custom_fields_plan_of(job.mapping, job.kind)
    if plan.problems:
        raise _Refused(" ".join(plan.problems))
    if not plan.missing:
        return []
    if not job.created_by.is_admin:
        raise _Refused(custom_fields_refusal(plan))
    try:
        return custom_fields_create(acting_user=job.created_by, plan=plan)
    except ValidationError as exc:
        problems = [f"{key}: {m}" for key, messages in exc.message_dict.items() for m in messages]
        raise _Refused(" ".join(problems)) from None
    except PermissionDenied:
        raise _Refused(custom_fields_refusal(plan)) from None


def _fail(job: ImportJob, message: str, *, row: int = 0, column: str = "", value: str = "") -> None:
    with transaction.atomic():
        ImportRowError.objects.create(
            job=job, row_number=row, column=column[:255], value=value[:VALUE_CHARS], message=message
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message=message,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )


def table_for(job: ImportJob) -> parsing.Table:
    mapping = job.mapping
    return parsing.table_open(
        job.file.path,
        job.original_filename,
        encoding=mapping.get("encoding"),
        delimiter=mapping.get("delimiter"),
        sheet=mapping.get("sheet"),
    )


def mapper_for(
    job: ImportJob, table: parsing.Table, *, detected: dict[str, Any] | None = None
) -> RowMapper:
    """The row mapper, after checking that the header carries every mapped column."""
    mapping = job.mapping
    detected = detected if detected is not None else job.detected
    options = RowOptions(
        date_format=date_format_normalise(mapping["date_format"])
        if mapping.get("date_format")
        else None,
        date_order=detected.get("date_order", "dmy"),
        decimal_separator=mapping.get("decimal_separator")
        or ("," if table.format.delimiter == ";" else "."),
        phone_region=detected.get("phone_region") or None,
    )
    mapper = RowMapper(mapping, job.kind, table.header, options)
    if mapper.missing_columns:
        header_shown = ", ".join(repr(h) for h in table.header[:6])
        if not mapper.columns and not mapper.template_sources:
            named = ", ".join(repr(c) for c in list(mapping["columns"])[:3])
            raise parsing.FileError(
                f"{table.filename}, row 1: no header row. The first row must name the columns "
                f"(such as {named}); it holds {header_shown}.",
                row=1,
            )
        column, target = mapper.missing_columns[0]
        others = len(mapper.missing_columns) - 1
        more = (
            f" ({others} more mapped column{'s' if others > 1 else ''} missing)" if others else ""
        )
        raise parsing.FileError(
            f"{table.filename}, row 1: required column {column!r} (for {target}) is missing; "
            f"the header has {header_shown}{', ...' if len(table.header) > 6 else ''}.{more}",
            row=1,
            column=column,
        )
    return mapper


def file_inspect(job: ImportJob, table: parsing.Table, mapper: RowMapper) -> dict[str, Any]:
    """One cheap pass over the file: rows, and whether its dates are day or month first."""
    date_columns = [
        index for index, _, target in mapper.columns if mapper.targets[target].reads_dates
    ]
    evidence = {"dmy": 0, "mdy": 0}
    rows = 0
    for record in table.records():
        rows += 1
        for index in date_columns:
            order = date_order_evidence(record.cells[index])
            if order:
                evidence[order] += 1
    region = default_phone_region()
    if evidence["dmy"] and not evidence["mdy"]:
        order = "dmy"
    elif evidence["mdy"] and not evidence["dmy"]:
        order = "mdy"
    else:
        order = "mdy" if region.upper() in MONTH_FIRST_REGIONS else "dmy"
    return {
        **table.format.describe(),
        "header": table.header,
        "rows": rows,
        "date_order": order,
        "phone_region": region,
    }


def run_context(job: ImportJob, mapper: RowMapper) -> RunContext:
    resolver = Resolver(
        acting_user=job.created_by, create_missing=job.mapping.get("create_missing", [])
    )
    return RunContext(
        kind=job.kind,
        acting_user=job.created_by,
        default_owner=job.default_owner or job.created_by,
        resolver=resolver,
        mapper=mapper,
        now=timezone.now(),
    )


class _Run:
    def __init__(
        self,
        job: ImportJob,
        *,
        progress: Progress | None,
        chunk_rows: int,
        fields_created: list[CustomField] | None = None,
    ) -> None:
        self.job = job
        self.progress = progress
        self.chunk_rows = chunk_rows
        self.stored_errors = job.errors.count()
        self.fields_created = fields_created or []
        self.ctx: RunContext | None = None

    def run(self) -> None:
        job = self.job
        table = table_for(job)
        mapper = mapper_for(job, table, detected={})
        if job.rows_total is None:
            job.detected = file_inspect(job, table, mapper)
            job.rows_total = job.detected["rows"]
            if job.rows_total == 0:
                raise parsing.FileError(f"{table.filename} has a header but no rows.", row=2)
            job.save(update_fields=["detected", "rows_total", "updated_at"])
        self.table = table
        self.mapper = mapper_for(job, table)
        if job.mode == ImportMode.VALID_ROWS and not job.is_dry_run:
            self.chunked_write()
        else:
            self.single_transaction()

    def context(self) -> RunContext:
        self.ctx = run_context(self.job, self.mapper)
        return self.ctx

    def chunks(self) -> Iterator[list[parsing.Record]]:
        chunk: list[parsing.Record] = []
        for record in self.table.records(skip=self.job.rows_processed):
            chunk.append(record)
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.job)

    def _store(self, tally: _Tally, **fields: Any) -> None:
        """Write the tally's problems (up to the limit) and counts to the job row."""
        keep = max(0, MAX_STORED_ERRORS - self.stored_errors)
        if tally.problems[:keep]:
            ImportRowError.objects.bulk_create(tally.problems[:keep])
        self.stored_errors += min(keep, len(tally.problems))
        tally.problems = []
        fields = {**tally.fields(), **fields, "updated_at": timezone.now()}
        ImportJob.objects.filter(pk=self.job.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.job, name, value)

    def _keep_problems(self, tally: _Tally, kept: list[ImportRowError]) -> None:
        """Hold problems in memory (up to the limit) until the transaction has ended."""
        room = max(0, MAX_STORED_ERRORS - self.stored_errors - len(kept))
        kept += tally.problems[:room]
        tally.problems = []

    def chunked_write(self) -> None:
        """Valid rows: each chunk is one transaction, with its problems and the checkpoint."""
        ctx = self.context()
        tally = _Tally.of(self.job)
        last_pause = time.monotonic()
        for chunk in self.chunks():
            mark = ctx.resolver.mark()
            try:
                with transaction.atomic():
                    self.process(chunk, ctx, tally)
                    self._store(tally)
            except BaseException:
                ctx.resolver.undo(mark)
                raise
            ctx.resolver.commit()
            self._report()
            last_pause = _let_writers_in(last_pause)
        self.finish(self.summary())

    def single_transaction(self) -> None:
        """All or nothing, and dry runs: the whole file in one transaction, committed only when
        every row passed (never for a dry run). A crash leaves nothing, and a new run starts
        from the first row. Progress is reported to the running process only: the job row
        changes when the transaction ends."""
        ctx = self.context()
        tally = _Tally()
        kept: list[ImportRowError] = []
        try:
            with transaction.atomic():
                for chunk in self.chunks():
                    self.process(chunk, ctx, tally)
                    self._keep_problems(tally, kept)
                    self.job.rows_processed = tally.processed
                    self._report()
                if tally.errors or self.job.is_dry_run:
                    raise _Rollback
                self._store(tally)
                self._finish_fields(self.summary())
        except _Rollback:
            ctx.resolver.undo(0)
            tally.problems = kept
            valid = tally.created + tally.updated + tally.unchanged
            if self.job.is_dry_run:
                message = self.summary(tally)
            else:
                message = (
                    f"{tally.errors} rows have errors, so nothing was written (all or nothing); "
                    f"{valid} rows were valid. Fix the errors and import the file again."
                )
                if self.fields_created:
                    message += (
                        f" The custom fields created when the import started stay: "
                        f"{fields_text(self.fields_created)}."
                    )
                tally.created = tally.updated = tally.unchanged = 0
            with transaction.atomic():
                self._store(tally)
                self._finish_fields(message, failed=not self.job.is_dry_run)

    def summary(self, tally: _Tally | None = None) -> str:
        job = self.job
        created, updated, unchanged, errors, skipped = (
            (tally.created, tally.updated, tally.unchanged, tally.errors, tally.skipped)
            if tally is not None
            else (
                job.created_count,
                job.updated_count,
                job.unchanged_count,
                job.error_count,
                job.skipped_count,
            )
        )
        dry = job.is_dry_run
        message = (
            f"{'Would create' if dry else 'Created'} {created}, "
            f"{'would update' if dry else 'updated'} {updated}, unchanged {unchanged}, "
            f"rows with errors {errors}, blank rows {skipped}."
        )
        if dry:
            message += " Dry run: nothing was written."
        message += self.custom_fields_note() + self.estimated_note()
        if self.stored_errors >= MAX_STORED_ERRORS:
            message += f" Only the first {MAX_STORED_ERRORS} problems are listed."
        return message

    def custom_fields_note(self) -> str:
        kind = record_kind(self.job.kind)
        if self.fields_created:
            several = "s" if len(self.fields_created) > 1 else ""
            return f" Created the {kind} custom field{several} {fields_text(self.fields_created)}."
        missing = self.mapper.custom_fields.missing if self.job.is_dry_run else []
        if not missing:
            return ""
        several = "s" if len(missing) > 1 else ""
        note = (
            f" The import would create the {kind} custom field{several} {fields_text(missing)}; "
            "their values were checked as if they existed."
        )
        if not self.job.created_by.is_admin:
            note += " Only an admin can run it for real."
        return note

    def estimated_note(self) -> str:
        """Deals: the stage moments no column gave, stored as estimated (docs/imports.md).
        Counted by this process, so a resumed import counts the rows after the checkpoint."""
        count = self.ctx.estimated_moments if self.ctx is not None else 0
        if not count:
            return ""
        several = "s" if count != 1 else ""
        verb = "would be" if self.job.is_dry_run else ("were" if several else "was")
        return (
            f" {count} stage moment{several} {verb} estimated: no date column gave them, so "
            'the deal pages show them as "about".'
        )

    def _finish_fields(self, message: str, *, failed: bool = False) -> None:
        fields = {
            "status": ImportStatus.FAILED if failed else ImportStatus.DONE,
            "message": message,
            "finished_at": timezone.now(),
            "updated_at": timezone.now(),
        }
        ImportJob.objects.filter(pk=self.job.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.job, name, value)

    def finish(self, message: str) -> None:
        with transaction.atomic():
            self._finish_fields(message)

    # -- rows ---------------------------------------------------------------------------------

    def process(self, chunk: list[parsing.Record], ctx: RunContext, tally: _Tally) -> None:
        # Leads written by this chunk are scored together at its end, in the same transaction;
        # the services read the custom field definitions once per chunk.
        with custom_fields_cached(), scoring_deferred():
            self._process_rows(chunk, ctx, tally)

    def _process_rows(self, chunk: list[parsing.Record], ctx: RunContext, tally: _Tally) -> None:
        for result in rows_handle(chunk, ctx):
            tally.processed += 1
            if result.errors:
                self.problems(tally, result.number, result.errors)
            else:
                tally.count(result.action)

    def problems(self, tally: _Tally, number: int, errors: list[CellError]) -> None:
        tally.errors += 1
        for error in errors:
            tally.problems.append(
                ImportRowError(
                    job=self.job,
                    row_number=number,
                    column=error.column[:255],
                    value=error.value[:VALUE_CHARS],
                    message=error.message,
                )
            )


def rows_preview(job: ImportJob, *, limit: int) -> tuple[parsing.Table, RowMapper, list[RowResult]]:
    """The first rows as the import would handle them, in a transaction that is rolled back."""
    table = table_for(job)
    mapper = mapper_for(job, table, detected={})
    mapper = mapper_for(job, table, detected=file_inspect(job, table, mapper))
    chunk = []
    for record in table.records():
        chunk.append(record)
        if len(chunk) >= limit:
            break
    ctx = run_context(job, mapper)
    results: list[RowResult] = []
    try:
        with transaction.atomic(), custom_fields_cached():
            results = rows_handle(chunk, ctx)
            raise _Rollback
    except _Rollback:
        pass
    return table, mapper, results
