"""Imports: upload a CSV or XLSX file with a column mapping; follow the job; fetch its errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    OwnedOut,
    PageQuery,
    VisibilityIn,
    choices_literal,
    page,
)
from salesflow.imports.forms import import_file_check
from salesflow.imports.models import ImportJob, ImportKind, ImportMapping, ImportMode
from salesflow.imports.presets import Preset, preset_mapping_for_file, presets_list
from salesflow.imports.selectors import (
    import_job_get_for_user,
    import_jobs_visible_to,
    import_mapping_get_for_user,
    import_mappings_for,
)
from salesflow.imports.services import (
    import_errors_csv,
    import_job_create,
    import_kind_allow,
    import_mapping_save,
    import_mapping_update,
)
from salesflow.imports.views import import_job_start
from salesflow.users.policy import users_visible_to

router = Router(tags=["imports"])

KindIn = choices_literal(ImportKind)
ModeIn = choices_literal(ImportMode)
FIRST_ERRORS = 20


class ImportCountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="Blank rows.")
    errors: int = Field(description="Rows with at least one error.")


class ImportErrorOut(Schema):
    row: int = Field(description="As a spreadsheet numbers it: the header is 1; 0: the file.")
    column: str
    value: str
    message: str


class ImportJobOut(Schema):
    id: int
    kind: str
    filename: str
    status: str = Field(description="pending, running, done or failed.")
    mode: str
    dry_run: bool
    progress: int = Field(description="0-100.")
    rows_total: int | None
    rows_processed: int
    counts: ImportCountsOut
    message: str
    mapping_id: int | None = Field(description="The saved mapping used, if any.")
    default_owner_id: int | None
    created_by_id: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_filename(job: ImportJob) -> str:
        return job.original_filename

    @staticmethod
    def resolve_dry_run(job: ImportJob) -> bool:
        return job.is_dry_run

    @staticmethod
    def resolve_progress(job: ImportJob) -> int:
        return job.progress_percent

    @staticmethod
    def resolve_mapping_id(job: ImportJob) -> int | None:
        return job.saved_mapping_id

    @staticmethod
    def resolve_counts(job: ImportJob) -> dict[str, int]:
        return {
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "skipped": job.skipped_count,
            "errors": job.error_count,
        }


class ImportJobDetailOut(ImportJobOut):
    errors: list[ImportErrorOut] = Field(
        description=f"The first {FIRST_ERRORS} problems; GET /imports/{{id}}/errors.csv has all."
    )

    @staticmethod
    def resolve_errors(job: ImportJob) -> list[dict[str, Any]]:
        problems = job.errors.order_by("row_number", "pk")[:FIRST_ERRORS]
        return [
            {"row": e.row_number, "column": e.column, "value": e.value, "message": e.message}
            for e in problems
        ]


class ImportJobList(Schema):
    items: list[ImportJobOut]
    count: int


class ImportPresetOut(Schema):
    name: str = Field(description="Send it as `preset` to POST /imports.")
    label: str
    kind: str
    description: str
    columns: list[str] = Field(description="The export's columns the preset reads or names.")

    @staticmethod
    def resolve_columns(preset: Preset) -> list[str]:
        return preset.source_columns


class PresetQuery(Schema):
    kind: KindIn | None = None


def _mapping(
    user: Any,
    kind: str,
    mapping: str | None,
    mapping_id: int | None,
    preset: str | None = None,
    file: UploadedFile | None = None,
) -> Any:
    """The mapping dict sent as JSON, the saved mapping named by its id, or the preset named
    (fitted to the file's header)."""
    if sum(given is not None for given in (mapping, mapping_id, preset)) > 1:
        raise ValidationError(
            {"mapping_id": "Send one of mapping, mapping_id or preset, not several."}
        )
    if preset is not None:
        return preset_mapping_for_file(
            preset, kind=kind, file=file, filename=file.name or "import.csv"
        )
    if mapping_id is not None:
        saved: ImportMapping | None = import_mappings_for(user).filter(pk=mapping_id).first()
        if saved is None:
            raise ValidationError({"mapping_id": "No saved mapping has this id."})
        if saved.kind != kind:
            raise ValidationError({"mapping_id": f"{saved.name} is a mapping for {saved.kind}."})
        return saved
    if not mapping:
        raise ValidationError(
            {"mapping": "Send a mapping (JSON), the mapping_id of a saved one, or a preset."}
        )
    try:
        return json.loads(mapping)
    except ValueError as exc:
        raise ValidationError({"mapping": f"The mapping is not valid JSON: {exc}."}) from exc


def _default_owner(user: Any, owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    owner = users_visible_to(user).filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError(
            {"default_owner": "You can only assign records to people in your teams."}
        )
    return owner


@router.post("/imports", response={201: ImportJobDetailOut, **WRITE_ERRORS})
def import_add(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[KindIn],
    mapping: Annotated[
        str | None,
        Form(
            description="The mapping as JSON (docs/imports.md). Columns may fill custom fields "
            '("custom.<key>"); a "custom_fields" section defines the ones it needs, created '
            "when an admin's import runs."
        ),
    ] = None,
    mapping_id: Annotated[int | None, Form(description="Or the id of a saved mapping.")] = None,
    preset: Annotated[
        str | None,
        Form(
            description="Or the name of a shipped preset (GET /imports/presets), e.g. "
            "salesforce_opportunities; columns the file lacks are left out of it."
        ),
    ] = None,
    mode: Form[ModeIn] = ImportMode.VALID_ROWS,
    dry_run: Annotated[bool, Form(description="Check and count; write nothing.")] = False,
    default_owner_id: Annotated[int | None, Form(description="Owner of rows without one.")] = None,
) -> Status[Any]:
    """Multipart upload of a CSV or XLSX file with a mapping (JSON, see docs/imports.md) or the
    id of a saved mapping. Files under 2,000 rows are imported before the answer; bigger ones
    run in the background: follow them with GET /imports/{id}. A mapping whose custom_fields
    section defines fields that do not exist is refused (422, naming them) unless you are an
    admin or it is a dry run."""
    user = request.auth
    import_kind_allow(user, kind)  # the role first, before anything of the body is read
    try:
        import_file_check(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    chosen = _mapping(user, kind, mapping, mapping_id, preset, file)
    owner = _default_owner(user, default_owner_id)
    job = import_job_create(
        user=user,
        file=file,
        filename=file.name or "import.csv",
        kind=kind,
        mapping=chosen,
        mode=mode,
        dry_run=dry_run,
        default_owner=owner,
    )
    return Status(201, import_job_start(job))


@router.get("/imports", response={200: ImportJobList, **READ_ERRORS})
def import_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """Your import jobs, newest first (admins: everyone's)."""
    return page(import_jobs_visible_to(request.auth), query)


@router.get("/imports/presets", response={200: list[ImportPresetOut], **READ_ERRORS})
def import_presets(request: HttpRequest, query: Query[PresetQuery]) -> list[Preset]:
    """The shipped mappings for other CRMs' exports (Salesforce, HubSpot, Pipedrive, ...)."""
    return presets_list(query.kind)


@contextmanager
def _definition_named() -> Iterator[None]:
    """The mapping's problems named by the body's field, `definition`."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict") and "mapping" in error.error_dict:
            renamed = {
                ("definition" if k == "mapping" else k): v for k, v in error.error_dict.items()
            }
            raise ValidationError(renamed) from error
        raise


class ImportMappingOut(OwnedOut):
    name: str
    kind: str
    definition: dict[str, Any] = Field(description="The mapping (docs/imports.md).")


class ImportMappingList(Schema):
    items: list[ImportMappingOut]
    count: int


class ImportMappingQuery(PageQuery):
    kind: KindIn | None = None


class ImportMappingIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    kind: KindIn
    definition: dict[str, Any] = Field(description="The mapping (docs/imports.md).")
    visibility: VisibilityIn | None = Field(
        None, description="Who may use it: private, team (the default) or everyone (read only)."
    )


class ImportMappingPatch(InputSchema):
    """Only the given fields change; `definition`, when given, replaces the whole mapping."""

    name: str = Field(None, min_length=1, max_length=100)
    definition: dict[str, Any] = Field(None)
    visibility: VisibilityIn = Field(None)


@router.get("/imports/mappings", response={200: ImportMappingList, **READ_ERRORS})
def import_mapping_list(request: HttpRequest, query: Query[ImportMappingQuery]) -> dict[str, Any]:
    """The saved mappings you may use: yours, your team's, those shared with everyone (a
    manager: their teams'; an admin: all). The shipped presets are at GET /imports/presets."""
    mappings = import_mappings_for(request.auth, query.kind).order_by("kind", "name", "pk")
    return page(mappings, query)


@router.post(
    "/imports/mappings", response={200: ImportMappingOut, 201: ImportMappingOut, **WRITE_ERRORS}
)
def import_mapping_add(request: HttpRequest, payload: ImportMappingIn) -> Status[Any]:
    """Save a mapping under a name (201). The name of a mapping you may change (yours, or as
    its team's manager or an admin) replaces that mapping (200); the name of anyone else's is
    refused (422 on `name`) and their mapping stays as it was."""
    user = request.auth
    import_kind_allow(user, payload.kind)
    existed = ImportMapping.objects.filter(name=payload.name.strip()).exists()
    with _definition_named():
        mapping = import_mapping_save(
            user=user,
            name=payload.name,
            kind=payload.kind,
            definition=payload.definition,
            visibility=payload.visibility,
        )
    return Status(200 if existed else 201, mapping)


@router.get("/imports/mappings/{mapping_id}", response={200: ImportMappingOut, **READ_ERRORS})
def import_mapping_detail(request: HttpRequest, mapping_id: int) -> ImportMapping:
    return import_mapping_get_for_user(request.auth, mapping_id)


@router.patch("/imports/mappings/{mapping_id}", response={200: ImportMappingOut, **WRITE_ERRORS})
def import_mapping_change(
    request: HttpRequest, mapping_id: int, payload: ImportMappingPatch
) -> ImportMapping:
    """Change a mapping you may change; only its owner, a manager of its team or an admin may
    change who sees it."""
    mapping = import_mapping_get_for_user(request.auth, mapping_id, write=True)
    with _definition_named():
        return import_mapping_update(
            mapping, user=request.auth, **payload.model_dump(exclude_unset=True)
        )


@router.get("/imports/{job_id}", response={200: ImportJobDetailOut, **READ_ERRORS})
def import_detail(request: HttpRequest, job_id: int) -> ImportJob:
    return import_job_get_for_user(request.auth, job_id)


@router.get(
    "/imports/{job_id}/errors.csv",
    response=READ_ERRORS,
    openapi_extra={
        "responses": {
            "200": {
                "description": "Every problem: row, column, value, message (formulas defused).",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def import_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    # A job stores at most 10,000 problems, so the answer is sent whole, with its length.
    streamed = import_errors_csv(import_job_get_for_user(request.auth, job_id))
    response = HttpResponse(b"".join(streamed), content_type=streamed["Content-Type"])
    for header in ("Content-Disposition", "X-Content-Type-Options"):
        response[header] = streamed[header]
    return response
