"""The import wizard (upload, map, preview, run) and the pages of import jobs.

Until the last step the upload is a draft: the file under MEDIA_ROOT/imports/drafts and its
header, kind and mapping in the session. The job is created when the user starts the import,
because its mode and dry run are fixed when `import_job_create` makes it.
"""

from __future__ import annotations

import logging
import secrets
from itertools import islice
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from salesflow.core.forms import form_add_service_error
from salesflow.core.views import page_of, render_list
from salesflow.imports import parsing
from salesflow.imports.custom import record_kind
from salesflow.imports.forms import MappingForm, PresetForm, RunForm, UploadForm
from salesflow.imports.mapping import mapping_check
from salesflow.imports.models import (
    IMPORT_DRAFT_DIR,
    ImportJob,
    ImportKind,
    ImportMapping,
    ImportStatus,
)
from salesflow.imports.presets import preset_for_header, preset_get, preset_mapping
from salesflow.imports.runner import table_for
from salesflow.imports.selectors import (
    import_job_get_for_user,
    import_jobs_visible_to,
    import_mappings_for,
)
from salesflow.imports.services import (
    ImportPreview,
    import_errors_csv,
    import_job_create,
    import_job_enqueue,
    import_kind_allow,
    import_mapping_save,
    import_preview,
    import_run,
    mapping_suggest,
)
from salesflow.pipeline.selectors import pipelines_with_stages
from salesflow.users.policy import users_visible_to

logger = logging.getLogger(__name__)

# Files with fewer data rows run in the request, so their result shows at once; bigger ones
# go to the background worker (`salesflow worker`).
INLINE_MAX_ROWS = 2000
PREVIEW_ROWS = 20
ERRORS_SHOWN = 50
SAMPLE_ROWS = 3
SESSION_KEY = "import_drafts"
DRAFT_DIR = IMPORT_DRAFT_DIR
DRAFTS_KEPT = 3  # per session; older drafts and their files are dropped
STEPS = ("Upload", "Map columns", "Preview", "Import")


# -- starting a job (shared with the API) -----------------------------------------------------


def import_job_start(job: ImportJob) -> ImportJob:
    """Run a small file now; hand a bigger one to the worker. Returns the job as it is then."""
    if not _rows_at_least(job, INLINE_MAX_ROWS):
        try:
            return import_run(job)
        except Exception:
            # import_run has already failed the job with the error as its message.
            logger.exception("Import #%s stopped on an unexpected error", job.pk)
            job.refresh_from_db()
            return job
    import_job_enqueue(job)
    return job


def _rows_at_least(job: ImportJob, count: int) -> bool:
    try:
        table = table_for(job)
        return sum(1 for _ in islice(table.records(), count)) >= count
    except parsing.FileError:
        return False  # the run refuses the file at once, naming the problem


# -- drafts: the upload between step 1 and the start of the job --------------------------------


def _drafts(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return request.session.get(SESSION_KEY, {})


def _draft_get(request: HttpRequest, token: str) -> dict[str, Any] | None:
    draft = _drafts(request).get(token)
    if draft is None or not default_storage.exists(draft["path"]):
        return None
    return draft


def _draft_save(request: HttpRequest, token: str, draft: dict[str, Any]) -> None:
    drafts = {**_drafts(request), token: draft}
    while len(drafts) > DRAFTS_KEPT:
        _draft_file_delete(drafts.pop(next(iter(drafts))))
    request.session[SESSION_KEY] = drafts


def _draft_drop(request: HttpRequest, token: str) -> None:
    drafts = dict(_drafts(request))
    draft = drafts.pop(token, None)
    if draft is not None:
        _draft_file_delete(draft)
    request.session[SESSION_KEY] = drafts


def _draft_file_delete(draft: dict[str, Any]) -> None:
    try:
        default_storage.delete(draft["path"])
    except OSError:
        logger.warning("Could not delete the import draft %s", draft["path"])


def _draft_create(request: HttpRequest, upload: UploadedFile, kind: str) -> str:
    """Store the upload and read its header; FileError (nothing kept) when it cannot be read."""
    token = secrets.token_urlsafe(12)
    filename = PurePath((upload.name or "").replace("\\", "/")).name or "import.csv"
    stored = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)[-80:]
    path = default_storage.save(f"{DRAFT_DIR}/{token}/{stored}", upload)
    try:
        table = parsing.table_open(default_storage.path(path), filename)
        first = list(islice(table.records(), SAMPLE_ROWS))
    except parsing.FileError:
        default_storage.delete(path)
        raise
    samples = {
        name: [_sample(record.cells[index]) for record in first]
        for index, name in enumerate(table.header)
    }
    draft = {"path": path, "filename": filename, "kind": kind, "header": table.header}
    _draft_save(request, token, {**draft, "samples": samples, "mapping": None})
    return token


def _sample(cell: Any) -> str:
    # Escapes for what cannot be stored or shown (NUL, lone surrogates): the page must render.
    return parsing.cell_shown("" if cell is None else str(cell).strip(), limit=40)


def _draft_missing(request: HttpRequest) -> HttpResponse:
    messages.warning(request, "That upload is no longer available; choose the file again.")
    return redirect("imports:upload")


def _draft_job(user: Any, draft: dict[str, Any]) -> ImportJob:
    """An unsaved job over the draft, for `import_preview` (which only reads it).

    ValidationError when the mapping does not fit; the real job is made by `import_job_create`.
    """
    job = ImportJob(
        kind=draft["kind"],
        original_filename=draft["filename"],
        mapping=mapping_check(draft["mapping"], draft["kind"]),
        default_owner=_draft_owner(user, draft),
        created_by=user,
    )
    job.file.name = draft["path"]
    return job


def _draft_owner(user: Any, draft: dict[str, Any]) -> Any:
    if not draft.get("default_owner"):
        return None
    return users_visible_to(user).filter(pk=draft["default_owner"]).first()


def _draft_saved_mapping(user: Any, draft: dict[str, Any]) -> ImportMapping | None:
    """The saved mapping the draft uses, unless it was changed (or unshared) since the preview."""
    if not draft.get("saved_mapping"):
        return None
    saved = import_mappings_for(user, draft["kind"]).filter(pk=draft["saved_mapping"]).first()
    if saved is None or saved.definition != draft["mapping"]:
        return None
    return saved


def _wizard(step: int, token: str | None = None, **context: Any) -> dict[str, Any]:
    return {"steps": list(enumerate(STEPS, start=1)), "step": step, "token": token, **context}


# -- the wizard ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Step 1: the kind of records and the file, and optionally a saved mapping."""
    # ?kind=products from the product catalogue's "Import products" link.
    initial = {"kind": request.GET["kind"]} if request.GET.get("kind") in ImportKind.values else {}
    form = UploadForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            import_kind_allow(request.user, data["kind"])
            token = _draft_create(request, data["file"], data["kind"])
        except ValidationError as error:
            form.add_error(None, error)
        except parsing.FileError as error:
            form.add_error("file", error.message)
        else:
            saved = data["saved_mapping"]
            draft = _drafts(request)[token]
            if saved is None:
                preset = preset_for_header(data["kind"], draft["header"])
                if preset is not None:  # proposed at step 2, where the user may choose another
                    mapping = preset_mapping(preset, draft["header"])
                    recognised = {"mapping": mapping, "preset": preset.name}
                    _draft_save(request, token, {**draft, **recognised, "recognised": preset.name})
                return redirect("imports:map", draft=token)
            _draft_save(
                request, token, {**draft, "mapping": saved.definition, "saved_mapping": saved.pk}
            )
            return redirect("imports:preview", draft=token)
    recent = import_jobs_visible_to(request.user).filter(created_by=request.user)[:5]
    return render(request, "imports/upload.html", _wizard(1, form=form, recent=recent))


@login_required
@require_http_methods(["GET", "POST"])
def map_columns(request: HttpRequest, draft: str) -> HttpResponse:
    """Step 2: a field for each column, stage names, what may be created, the date format."""
    token, draft_data = draft, _draft_get(request, draft)
    if draft_data is None:
        return _draft_missing(request)
    kind, header = draft_data["kind"], draft_data["header"]
    chooser = PresetForm(
        request.POST if "choose_preset" in request.POST else None,
        kind=kind,
        initial={"preset": draft_data.get("preset", "")},
    )
    if chooser.is_valid():
        name = chooser.cleaned_data["preset"]
        mapping = preset_mapping(preset_get(name, kind=kind), header) if name else None
        changes = {"mapping": mapping, "preset": name, "saved_mapping": None}
        _draft_save(request, token, {**draft_data, **changes})
        return redirect("imports:map", draft=token)
    form = MappingForm(
        (request.POST or None) if not chooser.is_bound else None,
        user=request.user,
        kind=kind,
        header=header,
        samples=draft_data["samples"],
        mapping=draft_data["mapping"] or mapping_suggest(header, kind),
        initial={"default_owner": draft_data.get("default_owner")},
    )
    if form.is_valid():
        saved = None
        try:
            mapping = mapping_check(form.mapping(), kind)
            if form.cleaned_data["save_as"]:
                saved = import_mapping_save(
                    user=request.user,
                    name=form.cleaned_data["save_as"],
                    kind=kind,
                    definition=mapping,
                    visibility=form.cleaned_data.get("save_visibility") or None,
                )
        except ValidationError as error:
            if hasattr(error, "error_dict"):  # the service's names for the form's fields
                renamed = {"name": "save_as", "visibility": "save_visibility"}
                error = ValidationError(
                    {renamed.get(key, key): value for key, value in error.error_dict.items()}
                )
            form_add_service_error(form, error)
        else:
            owner = form.cleaned_data["default_owner"]
            changes = {
                "mapping": saved.definition if saved else mapping,
                "saved_mapping": saved.pk if saved else None,
                "default_owner": owner.pk if owner else None,
            }
            _draft_save(request, token, {**draft_data, **changes})
            if saved:
                messages.success(request, f"Mapping “{saved.name}” saved.")
            return redirect("imports:preview", draft=token)
    stages = [
        (pipeline.name, [stage.name for stage in pipeline.stages.all()])
        for pipeline in pipelines_with_stages()
    ]
    context = _wizard(
        2,
        token,
        form=form,
        draft=draft_data,
        stages=stages,
        chooser=chooser if chooser.fields["preset"].choices[1:] else None,
        preset=_preset_of(draft_data, "preset"),
        recognised=_preset_of(draft_data, "recognised"),
    )
    return render(request, "imports/map.html", context)


def _preset_of(draft: dict[str, Any], key: str) -> Any:
    """The preset the draft names under `key` (None if none, or if no longer shipped)."""
    try:
        return preset_get(draft[key], kind=draft["kind"]) if draft.get(key) else None
    except ValidationError:
        return None


@login_required
@require_http_methods(["GET"])
def preview(request: HttpRequest, draft: str) -> HttpResponse:
    """Step 3: the first rows as the import would write them, and every problem per cell."""
    token, draft_data = draft, _draft_get(request, draft)
    if draft_data is None:
        return _draft_missing(request)
    if draft_data["mapping"] is None:
        return redirect("imports:map", draft=token)
    try:
        job = _draft_job(request.user, draft_data)
    except ValidationError as error:
        messages.error(request, "The mapping does not fit: " + " ".join(error.messages))
        return redirect("imports:map", draft=token)
    result = import_preview(job, rows=PREVIEW_ROWS)
    context = _wizard(
        3,
        token,
        draft=draft_data,
        preview=result,
        has_dates=result.has_dates,
        kind_name=record_kind(job.kind),
        **_preview_table(result),
    )
    return render(request, "imports/preview.html", context)


def _preview_table(preview: ImportPreview) -> dict[str, Any]:
    """Columns (field, file column) and rows of cells (value, messages) for the template."""
    source_of = {field: column for column, field in preview.columns.items()}
    for part in ("first_name", "last_name"):
        if "full_name" in source_of:
            source_of.setdefault(part, source_of["full_name"])
    fields = [field for field in source_of if field != "full_name"]
    for row in preview.rows:
        fields += [field for field in row.values if field not in fields]
    field_of = {column: field for column, field in preview.columns.items()}
    rows = []
    for row in preview.rows:
        cells = {field: [] for field in fields}
        other = []
        for column, problems in row.errors.items():
            field = field_of.get(column) or column.removesuffix(" (template)")
            field = "last_name" if field == "full_name" else field
            if field in cells:
                cells[field] += problems
            else:
                other += [f"{column}: {message}" if column else message for message in problems]
        rows.append(
            {
                "number": row.number,
                "action": row.action,
                "cells": [(row.values.get(field, ""), cells[field]) for field in fields],
                "problems": other,
            }
        )
    columns = [
        (field, preview.labels.get(field) or _label(field), source_of.get(field, ""))
        for field in fields
    ]
    with_errors = sum(1 for row in preview.rows if row.errors)
    return {"columns": columns, "rows": rows, "rows_with_errors": with_errors}


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


@login_required
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest, draft: str) -> HttpResponse:
    """Step 4: all or nothing or the valid rows, dry run or not; then start the job."""
    token, draft_data = draft, _draft_get(request, draft)
    if draft_data is None:
        return _draft_missing(request)
    if draft_data["mapping"] is None:
        return redirect("imports:map", draft=token)
    form = RunForm(request.POST or None)
    if form.is_valid():
        try:
            with default_storage.open(draft_data["path"], "rb") as handle:
                job = import_job_create(
                    user=request.user,
                    file=handle,
                    filename=draft_data["filename"],
                    kind=draft_data["kind"],
                    mapping=_draft_saved_mapping(request.user, draft_data) or draft_data["mapping"],
                    mode=form.cleaned_data["mode"],
                    dry_run=form.cleaned_data["dry_run"],
                    default_owner=_draft_owner(request.user, draft_data),
                )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            _draft_drop(request, token)
            import_job_start(job)
            return redirect("imports:job-detail", pk=job.pk)
    context = _wizard(4, token, form=form, draft=draft_data)
    return render(request, "imports/run.html", context)


# -- jobs ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's imports; admins see everyone's."""
    jobs = import_jobs_visible_to(request.user)
    return render_list(request, "imports/job_list.html", {"page_obj": page_of(request, jobs)})


@login_required
@require_http_methods(["GET"])
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Status, progress and, when finished, counts and problems. An htmx poll gets the status
    region only; it stops polling once the job has finished."""
    job = import_job_get_for_user(request.user, pk)
    context = {
        "job": job,
        "errors": job.errors.all()[:ERRORS_SHOWN] if job.is_finished else [],
        "run_form": RunForm() if _may_run_for_real(job) else None,
    }
    template = "imports/job_detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#status"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET"])
def job_errors(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The job's problems as CSV (row, column, value, message)."""
    job = import_job_get_for_user(request.user, pk)
    return import_errors_csv(job)


def _may_run_for_real(job: ImportJob) -> bool:
    # `imports_cleanup` empties `file` some days after the job finished.
    return job.is_dry_run and job.status == ImportStatus.DONE and bool(job.file)


@login_required
@require_http_methods(["POST"])
def job_run_for_real(request: HttpRequest, pk: int) -> HttpResponse:
    """After a dry run: import the same file with the same mapping, writing this time."""
    job = import_job_get_for_user(request.user, pk)
    form = RunForm(request.POST)
    if not _may_run_for_real(job) or not form.is_valid():
        messages.error(request, "Only a finished dry run can be run for real.")
        return redirect("imports:job-detail", pk=job.pk)
    try:
        with job.file.open("rb") as handle:
            new_job = import_job_create(
                user=request.user,
                file=handle,
                filename=job.original_filename,
                kind=job.kind,
                mapping=job.mapping,
                mode=form.cleaned_data["mode"],
                dry_run=False,
                default_owner=job.default_owner,
            )
    except (ValidationError, OSError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, f"The import could not start: {text}")
        return redirect("imports:job-detail", pk=job.pk)
    import_job_start(new_job)
    return redirect("imports:job-detail", pk=new_job.pk)
