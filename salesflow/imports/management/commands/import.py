"""`salesflow import KIND FILE --mapping M.json` (or `--preset NAME`): import leads, contacts,
accounts, deals, or users and teams."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from salesflow.core.errors import DomainError
from salesflow.core.exports import csv_rows
from salesflow.imports.mapping import mapping_check
from salesflow.imports.models import ImportJob, ImportKind, ImportMapping, ImportMode
from salesflow.imports.presets import preset_mapping_for_file, presets_list
from salesflow.imports.runner import CHUNK_ROWS
from salesflow.imports.selectors import import_mappings_for
from salesflow.imports.services import import_job_create, import_job_interrupted, import_run
from salesflow.users.models import Role, User

SHOWN_ERRORS = 20


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "\n".join(
            f"{name}: {message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        )
    return "\n".join(exc.messages)


class Progress:
    """A tqdm bar on a terminal; otherwise one line per chunk on stderr (for logs and tests)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.phase = ""
        try:
            import tqdm
        except ImportError:
            self.tqdm = None
        else:
            self.tqdm = tqdm.tqdm if sys.stderr.isatty() else None

    def __call__(self, job: ImportJob) -> None:
        verb = "checked" if job.is_dry_run else "imported"
        if self.tqdm is not None:
            if self.bar is None or self.phase != verb:
                self.close()
                self.bar = self.tqdm(total=job.rows_total, unit="rows", desc=verb, file=sys.stderr)
                self.phase = verb
            self.bar.update(job.rows_processed - self.bar.n)
            return
        sys.stderr.write(f"progress: {verb} {job.rows_processed} / {job.rows_total} rows\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Import leads, contacts, accounts, historical deals, or users and teams (admins only) "
        "from a CSV or XLSX file through a "
        "column mapping (see docs/imports.md). Running it again on the same file resumes an "
        "interrupted import and never duplicates records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values, metavar="KIND")
        parser.add_argument("file", type=Path, metavar="FILE", help="A .csv or .xlsx file.")
        parser.add_argument(
            "--mapping", help="A mapping JSON file, or the name of a saved mapping."
        )
        parser.add_argument(
            "--preset",
            metavar="NAME",
            help="Or a shipped mapping for another CRM's export, e.g. salesforce_opportunities "
            "(docs/mappings), fitted to the file's columns.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Write nothing unless every row is valid (default: import the valid rows).",
        )
        parser.add_argument("--owner", metavar="USERNAME", help="Owner of rows that name no owner.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="The importing user, whose rights apply (default: the first active admin).",
        )
        parser.add_argument("--errors-csv", type=Path, help="Write every problem to this CSV.")
        parser.add_argument(
            "--chunk-rows",
            type=int,
            default=CHUNK_ROWS,
            help="Rows per transaction when importing the valid rows (default: %(default)s).",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Start over instead of resuming an interrupted import of the same file.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"FILE: {path} does not exist.")
        if options["chunk_rows"] < 1:
            raise CommandError("--chunk-rows: give a number of rows, e.g. 1000.")
        user = self.importing_user(options["user"])
        owner = self.user_named(options["owner"], "--owner") if options["owner"] else None
        if (options["mapping"] is None) == (options["preset"] is None):
            raise CommandError("Give either --mapping or --preset.")
        if options["preset"] is not None:
            mapping = self.preset(options["preset"], kind, path)
            given = f"--preset {options['preset']}"
        else:
            mapping = self.mapping(options["mapping"], kind, user)
            given = f"--mapping {options['mapping']}"
        mode = ImportMode.ALL_OR_NOTHING if options["all_or_nothing"] else ImportMode.VALID_ROWS
        try:
            checked = mapping_check(
                mapping.definition if isinstance(mapping, ImportMapping) else mapping, kind
            )
        except ValidationError as exc:
            raise CommandError(f"{given}:\n{_validation_text(exc)}") from exc
        job = None
        if not options["restart"]:
            job = import_job_interrupted(
                user=user,
                kind=kind,
                file_sha256=_sha256(path),
                mapping=checked,
                mode=mode,
                dry_run=options["dry_run"],
            )
        if job is not None:
            self.stderr.write(
                f"Resuming import #{job.pk} of {path.name} after row {job.rows_processed + 1} "
                f"(use --restart to start over)."
            )
        else:
            try:
                job = import_job_create(
                    user=user,
                    file=path,
                    filename=path.name,
                    kind=kind,
                    mapping=mapping,
                    mode=mode,
                    dry_run=options["dry_run"],
                    default_owner=owner,
                )
            except ValidationError as exc:
                raise CommandError(_validation_text(exc)) from exc
        progress = Progress()
        try:
            job = import_run(job, progress=progress, chunk_rows=options["chunk_rows"])
        except (ValidationError, DomainError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        except KeyboardInterrupt:
            progress.close()
            raise CommandError(
                f"Interrupted. Run the same command again to resume import #{job.pk}."
            ) from None
        finally:
            progress.close()
        self.report(job, options["errors_csv"])

    def importing_user(self, username: str | None) -> User:
        if username:
            return self.user_named(username, "--user")
        admin = (
            User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
            .order_by("pk")
            .first()
        )
        if admin is None:
            raise CommandError(
                "No active admin to import as: create one (salesflow user create NAME --role "
                "admin) or name the importing user with --user."
            )
        return admin

    def user_named(self, username: str, option: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"{option}: no user {username!r}.")
        return user

    def mapping(self, value: str, kind: str, user: User) -> dict[str, Any] | ImportMapping:
        path = Path(value)
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8-sig"))
            except json.JSONDecodeError as exc:
                raise CommandError(
                    f"--mapping {value}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                    f"{exc.msg})."
                ) from exc
            except RecursionError as exc:
                raise CommandError(f"--mapping {value}: nested too deep to read.") from exc
        saved = import_mappings_for(user).filter(name=value).first()
        if saved is None:
            raise CommandError(f"--mapping: no file or saved mapping named {value!r}.")
        return saved

    def preset(self, name: str, kind: str, path: Path) -> dict[str, Any]:
        try:
            return preset_mapping_for_file(name, kind=kind, file=path, filename=path.name)
        except ValidationError as exc:
            if "preset" in exc.message_dict:
                shown = ", ".join(p.name for p in presets_list(kind)) or "none"
                raise CommandError(
                    f"--preset: there is no {kind} preset {name!r}; {kind} presets: {shown}."
                ) from exc
            raise CommandError(_validation_text(exc)) from exc

    def report(self, job: ImportJob, errors_csv: Path | None) -> None:
        errors = list(job.errors.order_by("row_number", "pk")[:SHOWN_ERRORS])
        for error in errors:
            if error.message.startswith(job.original_filename):  # a problem with the file
                self.stdout.write(f"  {error.message}")
                continue
            column = f", column {error.column!r}" if error.column else ""
            value = f" (value {error.value!r})" if error.value else ""
            self.stdout.write(
                f"  {job.original_filename}, row {error.row_number}{column}{value}: {error.message}"
            )
        if job.error_count > len(errors) and errors:
            self.stdout.write("  ... see all problems with --errors-csv PATH")
        if errors_csv is not None:
            rows = job.errors.order_by("row_number", "pk").values_list(
                "row_number", "column", "value", "message"
            )
            with errors_csv.open("w", encoding="utf-8", newline="") as handle:
                for line in csv_rows(["row", "column", "value", "message"], rows.iterator()):
                    handle.write(line)
            self.stdout.write(f"Problems written to {errors_csv}.")
        if job.status == "failed":
            raise CommandError(f"Import #{job.pk} failed: {job.message}")
        self.stdout.write(
            self.style.SUCCESS(f"Import #{job.pk} of {job.original_filename}: {job.message}")
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
