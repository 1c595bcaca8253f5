"""The import wizard's forms: the file check shared with the API, and one form per step."""

from __future__ import annotations

import codecs
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from salesflow.core.forms import ActionForm, FieldsetsMixin
from salesflow.imports.custom import custom_targets_offered
from salesflow.imports.models import ImportKind, ImportMapping, ImportMode
from salesflow.imports.presets import presets_list
from salesflow.imports.selectors import import_mappings_for
from salesflow.imports.services import import_kind_allow
from salesflow.imports.targets import CREATABLE, TARGETS
from salesflow.leads.models import Source
from salesflow.users.models import Visibility
from salesflow.users.policy import users_visible_to

# What browsers and clients declare for each accepted kind of file. The declared type is only
# a hint (Windows calls a CSV "application/vnd.ms-excel"), so the first bytes are checked too.
CONTENT_TYPES = {
    ".csv": {
        "text/csv",
        "text/plain",
        "text/x-csv",
        "text/comma-separated-values",
        "application/csv",
        "application/x-csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
        "",
    },
    ".xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/x-zip-compressed",
        "application/octet-stream",
        "",
    },
}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls and other Office 97 files
TEXT_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16/32 text holds NUL bytes
CREATE_MISSING_LABELS = {
    "owner": "Owners not found become inactive users in your team",
    "account": "Accounts not found are created",
    "contact": "Contacts not found are created",
    "product": "Products not found are added to the catalogue at price 0 (admins only)",
}


def import_max_bytes() -> int:
    """The largest file the wizard and the API accept (setting SALESFLOW_IMPORT_MAX_BYTES)."""
    return settings.SALESFLOW_IMPORT_MAX_BYTES


def import_file_check(upload: UploadedFile | None) -> None:
    """Refuse anything but a CSV or XLSX file within the size limit, naming the file."""
    if upload is None:
        raise forms.ValidationError("Choose a CSV or XLSX file.", code="required")
    name = PurePath((upload.name or "").replace("\\", "/")).name or "The file"
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xls":
        raise forms.ValidationError(
            f"{name} is an old Excel (.xls) workbook; save it as .xlsx or CSV and try again.",
            code="file_type",
        )
    refused = forms.ValidationError(
        f"{name} is not a CSV or XLSX file; export the data as CSV (.csv) or Excel (.xlsx).",
        code="file_type",
    )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if suffix not in CONTENT_TYPES or content_type not in CONTENT_TYPES[suffix]:
        raise refused
    limit = import_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(
            f"{name} is {filesizeformat(upload.size)}; files up to {filesizeformat(limit)} "
            "can be imported. Split it into smaller files.",
            code="file_size",
        )
    if not upload.size:
        raise forms.ValidationError(f"{name} is empty.", code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    looks_zipped = head.startswith(ZIP_MAGIC)
    if suffix == ".xlsx" and not looks_zipped:
        raise refused
    if suffix == ".csv" and (
        looks_zipped
        or head.startswith(OLE_MAGIC)
        or (b"\x00" in head and not head.startswith(TEXT_BOMS) and not _is_text(head))
    ):
        raise refused


# Control characters (but tab and line breaks) in more than this share of the first bytes:
# binary data, not text.
BINARY_CONTROL_SHARE = 0.05


def _is_text(head: bytes) -> bool:
    """Whether the first bytes read as UTF-8 text (a character cut at the end allowed) with few
    control characters. Binary data does not; a CSV with a stray NUL does, and the NUL is then
    an error on its row and column (parsing.cell_problem), not a refusal of the file."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    controls = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\n\r")
    return controls <= len(head) * BINARY_CONTROL_SHARE


def _mapping_label(mapping: ImportMapping) -> str:
    owner = mapping.owner.get_full_name() or mapping.owner.username if mapping.owner else ""
    shared = {"private": "private", "everyone": "shared with everyone"}.get(mapping.visibility)
    about = ", ".join(part for part in (owner, shared) if part)
    return f"{mapping.name} ({about})" if about else mapping.name


class UploadForm(FieldsetsMixin, forms.Form):
    """Step 1: what to import and the file; optionally a saved mapping to skip step 2."""

    kind = forms.ChoiceField(
        label="What the file holds", choices=ImportKind.choices, initial=ImportKind.LEADS
    )
    file = forms.FileField(
        label="File",
        allow_empty_file=True,  # refused by import_file_check, naming the file
        help_text="CSV (any common encoding and delimiter) or Excel .xlsx.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    saved_mapping = forms.ModelChoiceField(
        label="Saved mapping",
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label="None: map the columns in the next step",
        help_text="Yours, your team's and those shared with everyone.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["file"].help_text += f" At most {filesizeformat(import_max_bytes())}."
        self.fields["saved_mapping"].queryset = import_mappings_for(user)
        self.fields["saved_mapping"].label_from_instance = _mapping_label

    def clean_kind(self) -> str:
        # The role first: a rep asking for an admin's kind learns that, whatever the file holds.
        kind = self.cleaned_data["kind"]
        try:
            import_kind_allow(self.user, kind)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return kind

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data.get("file")
        import_file_check(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.has_error("kind"):
            self.errors.pop("file", None)  # the role refusal is the answer
        saved = data.get("saved_mapping")
        if saved is not None and data.get("kind") and saved.kind != data["kind"]:
            self.add_error(
                "saved_mapping",
                f"{saved.name} is a mapping for {saved.get_kind_display().lower()}.",
            )
        return data


class PresetForm(FieldsetsMixin, forms.Form):
    """Step 2: start the mapping from a shipped preset for another CRM's export, or from none."""

    preset = forms.ChoiceField(label="Start from the preset", required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [("", "None: a guess from the column names")] + [
            (preset.name, preset.label) for preset in presets_list(kind)
        ]


class MappingForm(FieldsetsMixin, forms.Form):
    """Step 2: a target field for every column of the file, and the mapping's options.

    The targets are the kind's fields and custom fields ("Custom: Total visits"), and the
    custom fields the mapping's `custom_fields` section would create.

    Built from the file's header; `mapping()` returns the mapping dict (docs/imports.md) with
    what the form does not show (templates, null values, ... of a saved mapping) kept.
    """

    date_format = forms.CharField(
        label="Date format",
        required=False,
        max_length=40,
        help_text="Blank: detected from the file. Or d/m/Y, m/d/Y, d.m.Y, Y-m-d ...",
    )
    stage_values = forms.CharField(
        label="Stage names",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Engaging = Needs assessment"}),
        help_text="One per line: the stage as the file writes it = the Salesflow stage.",
    )
    stage_dates = forms.CharField(
        label="Stage dates",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Needs assessment = engage_date"}),
        help_text="One per line: a Salesflow stage = the file column with the day the deal "
        "entered it. Moments no column gives are stored as estimated.",
    )
    default_source = forms.ChoiceField(
        label="Source of leads without one",
        required=False,
        help_text="Leads need a source: map a column to it, or choose one here.",
    )
    default_owner = forms.ModelChoiceField(
        label="Owner of rows without one",
        queryset=None,
        required=False,
        empty_label="Me",
    )
    save_as = forms.CharField(
        label="Save this mapping as",
        required=False,
        max_length=100,
        help_text="Give it a name to reuse it for the next export of the same shape. "
        "Saving under the name of one of your mappings replaces it.",
    )
    save_visibility = forms.ChoiceField(
        label="Who may use the saved mapping",
        choices=Visibility.choices,
        initial=Visibility.TEAM,
        required=False,
        help_text="Your team may also change it; “Everyone” may only use it.",
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        kind: str,
        header: list[str],
        samples: dict[str, list[str]],
        mapping: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        self.user = user
        self.kind = kind
        self.header = header
        self.base = mapping
        columns = mapping.get("columns", {})
        defaults = mapping.get("defaults", {})
        stages = mapping.get("values", {}).get("stage", {})
        kwargs["initial"] = {
            "date_format": mapping.get("date_format", ""),
            "stage_values": "\n".join(f"{k} = {v}" for k, v in stages.items()),
            "stage_dates": "\n".join(
                f"{stage} = {column}" for stage, column in mapping.get("stage_dates", {}).items()
            ),
            "default_source": defaults.get("source", ""),
            "create_missing": mapping.get("create_missing", []),
            **{f"column_{i}": columns.get(name, "") for i, name in enumerate(header)},
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        targets = [("", "Ignore this column")] + [
            (target.name, target.label) for target in TARGETS[kind]
        ]
        for target in custom_targets_offered(kind, mapping):
            created = " (created by this import)" if target.custom_field.pk is None else ""
            targets.append((target.name, target.label + created))
        column_fields = {}
        for index, name in enumerate(header):
            example = ", ".join(value for value in samples.get(name, []) if value)
            column_fields[f"column_{index}"] = forms.ChoiceField(
                label=name or f"Column {index + 1}",
                choices=targets,
                required=False,
                help_text=f"e.g. {example}" if example else "Empty in the first rows.",
            )
        self.fields = {**column_fields, **self.fields}
        creatable = sorted(CREATABLE[kind])
        if not (user.is_admin or user.is_manager):
            creatable = [name for name in creatable if name != "owner"]
        if creatable:
            self.fields["create_missing"] = forms.MultipleChoiceField(
                label="Create what the file names but Salesflow does not have",
                choices=[
                    (
                        name,
                        CREATE_MISSING_LABELS.get(
                            name, f"{name.capitalize()}s not found are created"
                        ),
                    )
                    for name in creatable
                ],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        if kind != ImportKind.DEALS:
            del self.fields["stage_values"]
            del self.fields["stage_dates"]
        if kind == ImportKind.LEADS:
            self.fields["default_source"].choices = [("", "None"), *Source.choices]
        else:
            del self.fields["default_source"]
        self.fields["default_owner"].queryset = users_visible_to(user).order_by(
            "first_name", "last_name", "username"
        )
        self.fieldsets = [
            ("Columns", list(column_fields)),
            (
                "Options",
                [
                    "default_source",
                    "stage_values",
                    "stage_dates",
                    "create_missing",
                    "date_format",
                    "default_owner",
                    "save_as",
                    "save_visibility",
                ],
            ),
        ]

    def clean_stage_values(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["stage_values"].splitlines(), start=1):
            if not line.strip():
                continue
            source, equals, stage = line.partition("=")
            if not equals or not source.strip():
                raise forms.ValidationError(
                    f"Line {number}: write the stage as the file has it, an equals sign and "
                    f"the Salesflow stage, e.g. “Engaging = Needs assessment”; it says "
                    f"“{line.strip()}”."
                )
            table[source.strip()] = stage.strip()
        return table

    def clean_stage_dates(self) -> dict[str, str]:
        """{stage: column}; each column must be one of the file's."""
        dates: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["stage_dates"].splitlines(), start=1):
            if not line.strip():
                continue
            stage, equals, column = (part.strip() for part in line.partition("="))
            if not equals or not stage or not column:
                raise forms.ValidationError(
                    f"Line {number}: write the Salesflow stage, an equals sign and the file's "
                    f"date column, e.g. “Needs assessment = engage_date”; it says "
                    f"“{line.strip()}”."
                )
            if column not in self.header:
                raise forms.ValidationError(
                    f"Line {number}: the file has no column “{column}”; its columns are "
                    f"{', '.join(self.header)}."
                )
            dates[stage] = column
        return dates

    def mapping(self) -> dict[str, Any]:
        """The mapping the form describes, over the one it started from."""
        data = self.cleaned_data
        mapping = {key: value for key, value in self.base.items() if key != "name"}
        mapping["kind"] = self.kind
        mapping["columns"] = {
            name: data[f"column_{index}"]
            for index, name in enumerate(self.header)
            if data.get(f"column_{index}")
        }
        mapping["create_missing"] = list(data.get("create_missing", []))
        if data.get("date_format"):
            mapping["date_format"] = data["date_format"].strip()
        else:
            mapping.pop("date_format", None)
        if "stage_values" in self.fields:
            values = {**mapping.get("values", {})}
            values.pop("stage", None)
            if data["stage_values"]:
                values["stage"] = data["stage_values"]
            mapping["values"] = values
        if "stage_dates" in self.fields:
            mapping.pop("stage_dates", None)
            if data["stage_dates"]:
                mapping["stage_dates"] = data["stage_dates"]
        if "default_source" in self.fields:
            defaults = {**mapping.get("defaults", {})}
            defaults.pop("source", None)
            if data["default_source"]:
                defaults["source"] = data["default_source"]
            mapping["defaults"] = defaults
        return mapping


class RunForm(ActionForm):
    """Step 4: all or nothing, or the valid rows; and whether to only try."""

    mode = forms.ChoiceField(
        label="When some rows have errors",
        choices=[
            (ImportMode.VALID_ROWS, "Import the valid rows and list the others"),
            (ImportMode.ALL_OR_NOTHING, "All or nothing: write nothing if any row has an error"),
        ],
        initial=ImportMode.VALID_ROWS,
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(
        label="Dry run: only count what would be created and updated, write nothing",
        required=False,
    )
