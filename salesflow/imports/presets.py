"""Mapping presets: the shipped mappings for other CRMs' exports (docs/mappings/*.json), found
by name or recognised from a file's header row (docs/imports.md, "Mapping presets").

A preset is an ordinary mapping with a `name` and a `description`. Exports leave columns out
(HubSpot exports the columns of the current view), so `preset_mapping` fits a preset to the
file's header: the columns, templates and stage dates the file lacks are dropped, and what the
import cannot do without (a deal's stage) is then named by `mapping_check` as for any mapping.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError

from salesflow.imports import parsing
from salesflow.imports.mapping import template_columns
from salesflow.imports.targets import kind_check

# A preset is proposed when the header has at least this many of its columns, and at least
# this share of them (exports leave optional columns out, so not all are expected).
PRESET_MIN_COLUMNS = 3
PRESET_MIN_SHARE = 0.25


@dataclass(frozen=True)
class Preset:
    """A shipped mapping: `name` is its file's stem (`salesforce_opportunities`)."""

    name: str
    label: str
    description: str
    kind: str
    mapping: dict[str, Any]

    @property
    def source_columns(self) -> list[str]:
        """Every column the preset reads or names (ignored ones too: they mark the export)."""
        columns = list(self.mapping.get("columns", {}))
        for template in self.mapping.get("templates", {}).values():
            columns += template_columns(template)
        columns += list(self.mapping.get("stage_dates", {}).values())
        return list(dict.fromkeys(columns))


def presets_dir() -> Path:
    """Where the presets are read from: SALESFLOW_IMPORT_PRESETS_DIR, else docs/mappings."""
    configured = getattr(settings, "SALESFLOW_IMPORT_PRESETS_DIR", None)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "docs" / "mappings"


def presets_list(kind: str | None = None) -> list[Preset]:
    """The shipped presets, by name; only those for `kind` when given."""
    if kind is not None:
        kind_check(kind)
    found = []
    for path in sorted(presets_dir().glob("*.json")):
        mapping = json.loads(path.read_text(encoding="utf-8"))
        preset = Preset(
            name=path.stem,
            label=mapping.get("name") or path.stem.replace("_", " ").capitalize(),
            description=mapping.get("description", ""),
            kind=mapping["kind"],
            mapping=mapping,
        )
        if kind is None or preset.kind == kind:
            found.append(preset)
    return found


def preset_get(name: str, *, kind: str | None = None) -> Preset:
    """The preset of that name (for that kind), or a ValidationError on `preset` naming it and
    the presets there are."""
    presets = presets_list()
    preset = next((p for p in presets if p.name == name.strip()), None)
    if preset is None:
        names = ", ".join(p.name for p in presets if kind is None or p.kind == kind)
        raise ValidationError({"preset": f"There is no preset {name!r}; there are: {names}."})
    if kind is not None and preset.kind != kind:
        raise ValidationError({"preset": f"The preset {name!r} is for {preset.kind}, not {kind}."})
    return preset


def _header_key(name: str) -> str:
    # As the importer compares a mapping's columns with the header.
    return " ".join(str(name).replace("\ufeff", "").split()).casefold()


def preset_score(preset: Preset, header: list[str]) -> tuple[int, float, float]:
    """How the header fits the preset: how many of the preset's columns it has, their share of
    the preset's columns, and their share of all the columns of both (Jaccard's index)."""
    have = {_header_key(name) for name in header}
    columns = {_header_key(column) for column in preset.source_columns}
    found = len(columns & have)
    if not columns:
        return 0, 0.0, 0.0
    return found, found / len(columns), found / len(columns | have)


def preset_for_header(kind: str, header: list[str]) -> Preset | None:
    """The preset for `kind` whose export this header looks like, or None.

    A preset qualifies with PRESET_MIN_COLUMNS of its columns and PRESET_MIN_SHARE of them in
    the header. The closest wins: the highest share of the columns of both the header and the
    preset, so columns the preset does not know count against it; then the name
    (alphabetical). Presets of every kind compete, as exports of one CRM share columns
    (Salesforce's Id, OwnerId, CreatedDate): an opportunities export is not proposed as
    contacts, a lead export not as contacts.
    """
    kind_check(kind)
    best: tuple[float, int, str] | None = None
    chosen = None
    for preset in presets_list():
        found, share, closeness = preset_score(preset, header)
        if found < PRESET_MIN_COLUMNS or share < PRESET_MIN_SHARE:
            continue
        rank = (-closeness, -found, preset.name)
        if best is None or rank < best:
            best, chosen = rank, preset
    return chosen if chosen is not None and chosen.kind == kind else None


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def preset_mapping(preset: Preset, header: list[str]) -> dict[str, Any]:
    """The preset's mapping fitted to this header: what reads a column the file does not have
    is left out (with the value tables, ranges and required entries of the fields it filled)."""
    have = {_header_key(name) for name in header}
    mapping = json.loads(json.dumps(preset.mapping))  # a deep copy
    columns = {
        column: target
        for column, target in mapping.get("columns", {}).items()
        if _header_key(column) in have
    }
    templates = {}
    for target, template in mapping.get("templates", {}).items():
        lines = [
            line
            for line in template.split("\n")
            if all(_header_key(c) in have for c in _PLACEHOLDER.findall(line))
        ]
        if template_columns("\n".join(lines)):
            templates[target] = "\n".join(lines)
    filled = {target for target in columns.values() if target} | set(templates)
    mapping["columns"] = columns
    mapping["templates"] = templates
    for key in ("values", "ranges"):
        if key in mapping:
            mapping[key] = {t: v for t, v in mapping[key].items() if t in filled}
    if "required" in mapping:
        mapping["required"] = [t for t in mapping["required"] if t in filled]
    if "stage_dates" in mapping:
        mapping["stage_dates"] = {
            stage: column
            for stage, column in mapping["stage_dates"].items()
            if _header_key(column) in have
        }
    return mapping


def preset_mapping_for_file(
    name: str, *, kind: str, file: IO[bytes] | bytes | str | Path, filename: str
) -> dict[str, Any]:
    """The named preset fitted to the file's header (for the CLI and the API).

    ValidationError on `preset` for an unknown name, on `file` when the header cannot be read.
    """
    preset = preset_get(name, kind=kind)
    try:
        header = _header_of(file, filename)
    except parsing.FileError as error:
        raise ValidationError({"file": error.message}) from error
    return preset_mapping(preset, header)


def _header_of(file: IO[bytes] | bytes | str | Path, filename: str) -> list[str]:
    if isinstance(file, str | Path):
        return parsing.table_open(file, filename).header
    suffix = Path(filename).suffix or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        if isinstance(file, bytes):
            copy.write(file)
        else:
            file.seek(0)
            for block in iter(lambda: file.read(1 << 20), b""):
                copy.write(block)
            file.seek(0)
        copy.flush()
        return parsing.table_open(copy.name, filename).header
