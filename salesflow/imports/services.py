"""Imports of leads, contacts, accounts and historical deals from CSV and XLSX files.

The wizard, the API and `salesflow import` all go through these functions. Parsing lives in
`parsing`, mappings in `mapping`, the per-kind writes in `kinds` and the run loop in `runner`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils import timezone

from salesflow.core.exports import csv_response
from salesflow.customfields.values import value_display
from salesflow.imports import parsing, values
from salesflow.imports.custom import custom_fields_plan_of, custom_fields_refusal, fields_text
from salesflow.imports.mapping import mapping_check, mapping_suggest
from salesflow.imports.models import (
    IMPORT_DRAFT_DIR,
    ImportJob,
    ImportKind,
    ImportMapping,
    ImportMode,
    ImportStatus,
)
from salesflow.imports.runner import import_run, rows_preview
from salesflow.imports.targets import Target, kind_check
from salesflow.users import policy
from salesflow.users.models import Visibility
from salesflow.users.services import ownership_defaults

__all__ = [
    "ImportPreview",
    "ImportsCleanup",
    "PreviewRow",
    "import_errors_csv",
    "import_job_create",
    "import_job_enqueue",
    "import_kind_allow",
    "import_mapping_save",
    "import_mapping_update",
    "import_preview",
    "import_run",
    "imports_cleanup",
    "mapping_suggest",
]

logger = logging.getLogger(__name__)

HASH_BLOCK = 1 << 20
CLEANUP_BATCH = 500


def _user_check(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ValidationError({"user": "Only an active user can import."})


def import_kind_allow(user: Any, kind: str) -> None:
    """Refuse a kind the user may not import: users, teams and products are for admins only."""
    if kind == ImportKind.USERS and not user.is_admin:
        raise ValidationError({"kind": "Only an admin may import users and teams."})
    if kind == ImportKind.PRODUCTS and not user.is_admin:
        raise ValidationError({"kind": "Only an admin may import products."})


def _mapping_for(
    user: Any, kind: str, mapping: dict[str, Any] | ImportMapping, *, dry_run: bool = False
) -> tuple[dict[str, Any], ImportMapping | None]:
    saved = mapping if isinstance(mapping, ImportMapping) else None
    if saved is not None and not policy.can_read(user, saved):
        raise ValidationError({"mapping_id": "No saved mapping has this id."})
    definition = saved.definition if saved is not None else mapping
    import_kind_allow(user, kind)
    checked = mapping_check(definition, kind)
    if "owner" in checked["create_missing"] and not (user.is_admin or user.is_manager):
        raise ValidationError(
            {"mapping": ["create_missing: only managers and admins may add users by import."]}
        )
    if not dry_run and not user.is_admin:
        # A dry run only checks the values against the fields it would create.
        plan = custom_fields_plan_of(checked, kind)
        if plan.missing:
            raise ValidationError({"mapping": [custom_fields_refusal(plan)]})
    return checked, saved


@transaction.atomic
def import_mapping_save(
    *,
    user: Any,
    name: str,
    kind: str,
    definition: dict[str, Any],
    visibility: str | None = None,
) -> ImportMapping:
    """Save a named mapping after checking it: a new one is the user's, shared as `visibility`
    says (default: the team); one of the same name is replaced only if the user may change it
    (`users.policy`), otherwise the name is refused and the mapping left as it was."""
    _user_check(user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the mapping a name."})
    if visibility is not None and visibility not in Visibility.values:
        raise ValidationError({"visibility": f"Choose one of: {', '.join(Visibility.values)}."})
    import_kind_allow(user, kind)
    existing = ImportMapping.objects.select_for_update().filter(name=name).first()
    if existing is not None and not policy.can_write(user, existing):
        raise _name_taken(existing)
    checked = mapping_check(definition, kind)
    if existing is None:
        data = ownership_defaults(acting_user=user, data={})
        mapping = ImportMapping(
            name=name,
            kind=kind,
            definition=checked,
            created_by=user,
            visibility=visibility or Visibility.TEAM,
            **data,
        )
        mapping.full_clean()
        try:
            with transaction.atomic():
                mapping.save()
        except IntegrityError:  # saved under the same name a moment ago
            existing = ImportMapping.objects.select_for_update().get(name=name)
        else:
            return mapping
    return import_mapping_update(
        existing, user=user, kind=kind, definition=checked, visibility=visibility
    )


def _name_taken(mapping: ImportMapping) -> ValidationError:
    owner = str(mapping.owner) if mapping.owner_id else "someone else"
    return ValidationError(
        {
            "name": f"A mapping named {mapping.name!r} already exists and belongs to {owner}: "
            "choose another name."
        }
    )


@transaction.atomic
def import_mapping_update(
    mapping: ImportMapping,
    *,
    user: Any,
    name: str | None = None,
    kind: str | None = None,
    definition: dict[str, Any] | None = None,
    visibility: str | None = None,
) -> ImportMapping:
    """Change a saved mapping: its owner, a manager of its team or an admin (`can_write`); only
    they, not a teammate who may otherwise change it, may change who sees it."""
    _user_check(user)
    mapping = ImportMapping.objects.select_for_update().get(pk=mapping.pk)
    if not policy.can_write(user, mapping):
        raise _name_taken(mapping)
    if visibility is not None and visibility != mapping.visibility:
        if visibility not in Visibility.values:
            raise ValidationError({"visibility": f"Choose one of: {', '.join(Visibility.values)}."})
        may_share = (
            user.pk == mapping.owner_id
            or user.is_admin
            or (user.is_manager and mapping.team_id in policy.managed_team_ids(user))
        )
        if not may_share:
            raise ValidationError(
                {"visibility": "Only the owner or a manager of the team may change who sees it."}
            )
        mapping.visibility = visibility
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": "Give the mapping a name."})
        taken = ImportMapping.objects.filter(name=name).exclude(pk=mapping.pk).first()
        if taken is not None:
            raise _name_taken(taken)
        mapping.name = name
    if kind is not None or definition is not None:
        kind = kind or mapping.kind
        mapping.definition = mapping_check(
            definition if definition is not None else mapping.definition, kind
        )
        mapping.kind = kind
    mapping.full_clean()
    mapping.save()
    return mapping


def _as_binary(file: IO[bytes] | bytes | str | Path) -> IO[bytes]:
    if isinstance(file, bytes):
        return io.BytesIO(file)
    if isinstance(file, str | Path):
        return Path(file).open("rb")
    return file


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while block := handle.read(HASH_BLOCK):
        digest.update(block)
    handle.seek(0)
    return digest.hexdigest()


def import_job_create(
    *,
    user: Any,
    file: IO[bytes] | bytes | str | Path,
    filename: str,
    kind: str,
    mapping: dict[str, Any] | ImportMapping,
    mode: str = ImportMode.VALID_ROWS,
    dry_run: bool = False,
    default_owner: Any = None,
) -> ImportJob:
    """Store the file under MEDIA_ROOT and create a pending job; `import_run` runs it.

    `mapping` is a mapping dict (docs/imports.md) or a saved ImportMapping. `default_owner`
    owns rows without an owner value (else the importing user); the importer must be allowed
    to assign records to them, as in every service. Custom fields that the mapping's
    `custom_fields` section defines and that do not exist are created when the job runs, so
    only an admin may create such a job (anyone may dry-run it).
    """
    _user_check(user)
    kind_check(kind)
    if mode not in ImportMode.values:
        raise ValidationError({"mode": f"Choose one of: {', '.join(ImportMode.values)}."})
    checked, saved = _mapping_for(user, kind, mapping, dry_run=dry_run)
    may_assign = default_owner is None or default_owner.pk == user.pk
    if not may_assign and not policy.users_visible_to(user).filter(pk=default_owner.pk).exists():
        raise ValidationError(
            {"default_owner": "You can only assign records to people in your teams."}
        )
    name = PurePath(filename.replace("\\", "/")).name.strip() or "import.csv"
    opened_here = not hasattr(file, "read")
    handle = _as_binary(file)
    try:
        job = ImportJob(
            kind=kind,
            original_filename=name[:255],
            file_sha256=_sha256(handle),
            mapping=checked,
            saved_mapping=saved,
            mode=mode,
            is_dry_run=dry_run,
            default_owner=default_owner,
            created_by=user,
        )
        stored_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-80:]
        job.file.save(stored_name, File(handle), save=False)
    finally:
        if opened_here:
            handle.close()
    try:
        with transaction.atomic():
            job.save()
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def import_job_enqueue(job: ImportJob) -> None:
    """Run the job in the background worker (`salesflow worker`) once this transaction commits."""
    from salesflow.imports.tasks import import_run_task

    transaction.on_commit(lambda: import_run_task.enqueue(job.pk))


@dataclass
class PreviewRow:
    number: int
    action: str  # created, updated, unchanged, skipped or error: what the import would do
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # column -> messages


@dataclass
class ImportPreview:
    headers: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # file column -> field
    detected: dict[str, Any] = field(default_factory=dict)
    rows: list[PreviewRow] = field(default_factory=list)
    file_error: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # field -> its name on the page
    has_dates: bool = False  # whether a mapped column holds dates
    # The custom fields the import would create: "Total visits (total_visits, whole number)".
    custom_fields_missing: list[str] = field(default_factory=list)


def import_preview(job: ImportJob, rows: int = 20) -> ImportPreview:
    """The first rows as the import would read and handle them, and every problem per cell.

    Nothing is kept: the rows go through the services in a transaction that is rolled back.
    """
    try:
        table, mapper, results = rows_preview(job, limit=rows)
    except parsing.FileError as exc:
        return ImportPreview(columns=dict(job.mapping.get("columns", {})), file_error=exc.message)
    missing = mapper.custom_fields.missing
    preview = ImportPreview(
        headers=table.header,
        columns={column: target for _, column, target in mapper.columns},
        detected={**table.format.describe(), "date_order": mapper.options.date_order},
        labels={name: target.label for name, target in mapper.targets.items()},
        has_dates=any(mapper.targets[target].reads_dates for _, _, target in mapper.columns),
        custom_fields_missing=[fields_text([f]) for f in missing],
    )
    for result in results:
        row = PreviewRow(number=result.number, action=result.action)
        if result.row is not None:
            row.values = {
                target: _shown(mapper.targets.get(target), value)
                for target, value in result.row.values.items()
            }
        for error in result.errors:
            row.errors.setdefault(error.column, []).append(error.message)
        preview.rows.append(row)
    return preview


def _shown(target: Target | None, value: Any) -> str:
    if target is not None and target.custom_field is not None:
        return value_display(target.custom_field, value)
    return values.cell_text(value)


def _error_rows(job: ImportJob) -> Iterator[tuple[Any, ...]]:
    rows = job.errors.order_by("row_number", "pk").values_list(
        "row_number", "column", "value", "message"
    )
    for number, column, value, message in rows.iterator(chunk_size=2000):
        yield (number or "", column, value, message)


def import_errors_csv(job: ImportJob) -> StreamingHttpResponse:
    """The job's problems as a CSV download (spreadsheet formulas neutralised)."""
    return csv_response(
        f"import-{job.pk}-errors.csv", ["row", "column", "value", "message"], _error_rows(job)
    )


def import_job_interrupted(
    *,
    user: Any,
    kind: str,
    file_sha256: str,
    mapping: dict[str, Any],
    mode: str,
    dry_run: bool,
) -> ImportJob | None:
    """The latest unfinished run of the same file and settings by the user, to resume."""
    from salesflow.imports.runner import runner_alive

    jobs = ImportJob.objects.filter(
        created_by=user,
        kind=kind,
        file_sha256=file_sha256,
        mode=mode,
        is_dry_run=dry_run,
        status__in=[ImportStatus.PENDING, ImportStatus.RUNNING],
    ).order_by("-pk")
    for job in jobs[:5]:
        if job.mapping == mapping and not (
            job.status == ImportStatus.RUNNING and runner_alive(job)
        ):
            return job
    return None


@dataclass
class ImportsCleanup:
    """What `imports_cleanup` deleted."""

    drafts: list[str] = field(default_factory=list)  # the draft files
    job_files: list[tuple[int, str]] = field(default_factory=list)  # finished (job id, file)


def imports_cleanup(*, now: dt.datetime | None = None) -> ImportsCleanup:
    """Delete the wizard's drafts older than SALESFLOW_IMPORT_DRAFT_HOURS and the files of jobs
    finished more than SALESFLOW_IMPORT_FILE_DAYS ago (a setting of 0 keeps them for ever).

    A draft is an upload the wizard holds until the user starts the import; it has no job row
    (its description is in the session, which then finds the file gone and asks for it again).
    A finished job keeps its row, counts and row errors as history; only its `file` is emptied,
    so it can no longer be run for real after a dry run. Jobs waiting or running are never
    touched, however old: the worker may still run or resume them.

    Not one transaction, since files are not transactional: each file is deleted before its job
    row is cleared, so an interrupted cleanup leaves at worst a job naming a file already gone,
    which the next cleanup clears, and never a file no job names.
    """
    now = now or timezone.now()
    result = ImportsCleanup()
    draft_hours = settings.SALESFLOW_IMPORT_DRAFT_HOURS
    if draft_hours > 0:
        result.drafts = _drafts_delete(older_than=now - dt.timedelta(hours=draft_hours))
    file_days = settings.SALESFLOW_IMPORT_FILE_DAYS
    if file_days > 0:
        result.job_files = _finished_files_delete(
            finished_before=now - dt.timedelta(days=file_days)
        )
    return result


def _drafts_delete(*, older_than: dt.datetime) -> list[str]:
    """Delete each draft folder whose files (or, when empty, itself) are older than the cutoff."""
    storage = default_storage
    try:
        folders, _ = storage.listdir(IMPORT_DRAFT_DIR)
    except FileNotFoundError:
        return []
    deleted: list[str] = []
    for folder in sorted(folders):
        path = f"{IMPORT_DRAFT_DIR}/{folder}"
        try:
            _, names = storage.listdir(path)
            files = [f"{path}/{name}" for name in names]
            # An empty folder is a dropped draft, or one whose file is being written.
            times = [storage.get_modified_time(name) for name in files or [path]]
            if max(times) >= older_than:
                continue
            for name in files:
                storage.delete(name)
                deleted.append(name)
            storage.delete(path)
        except OSError:
            logger.warning("Could not delete the import draft %s", path, exc_info=True)
    return deleted


def _finished_files_delete(*, finished_before: dt.datetime) -> list[tuple[int, str]]:
    old = Q(finished_at__lt=finished_before) | Q(
        finished_at__isnull=True, updated_at__lt=finished_before
    )
    jobs = (
        ImportJob.objects.filter(old, status__in=[ImportStatus.DONE, ImportStatus.FAILED])
        .exclude(file="")
        .order_by("pk")
    )
    deleted: list[tuple[int, str]] = []
    last_pk = 0
    while batch := list(jobs.filter(pk__gt=last_pk).values_list("pk", "file")[:CLEANUP_BATCH]):
        last_pk = batch[-1][0]
        pks = [pk for pk, _ in batch]
        # Each job stores its own copy; should another job name the same file, it stays.
        shared = set(
            ImportJob.objects.filter(file__in={name for _, name in batch})
            .exclude(pk__in=pks)
            .values_list("file", flat=True)
        )
        cleared = []
        for pk, name in batch:
            try:
                if name not in shared:
                    default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete the file of import #%s: %s", pk, name)
                continue
            cleared.append(pk)
            deleted.append((pk, name))
        ImportJob.objects.filter(pk__in=cleared).update(file="")
    return deleted
