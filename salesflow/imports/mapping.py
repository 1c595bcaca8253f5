"""Column mappings: what each kind of import can fill, checking a mapping, and turning one
file row into typed values (docs/imports.md describes the format).

Pure: no database writes. Names of people, accounts, stages and the like stay text here and
are looked up by the runner.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from salesflow.customfields.selectors import custom_fields_of
from salesflow.imports import custom, parsing, values
from salesflow.imports.models import ImportKind
from salesflow.imports.targets import CREATABLE, TARGETS, TARGETS_BY_NAME, Target, kind_check

MAPPING_KEYS = {
    "kind", "name", "description", "columns", "values", "create_missing", "defaults",
    "null_values", "templates", "required", "date_format", "decimal_separator", "encoding",
    "delimiter", "sheet", "custom_fields", "stage_dates", "ranges",
}  # fmt: skip
DEFAULT_NULL_VALUES = ("",)


# -- checking a mapping ------------------------------------------------------------------------


def mapping_check(mapping: Any, kind: str) -> dict[str, Any]:
    """The mapping with defaults filled in, or one ValidationError listing every problem.

    Reads the custom field definitions when the mapping names `custom.<key>` targets or has a
    `custom_fields` section; writes nothing.
    """
    kind_check(kind)
    problems: list[str] = []
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": "The mapping must be a JSON object."})
    for key in sorted(set(mapping) - MAPPING_KEYS):
        problems.append(
            f"Unknown key {key!r}; a mapping may have: {', '.join(sorted(MAPPING_KEYS))}."
        )
    if mapping.get("kind", kind) != kind:
        problems.append(f"This mapping is for {mapping['kind']!r}, not {kind!r}.")
    section, section_problems = custom.section_read(mapping.get("custom_fields", []), kind)
    problems += section_problems
    plan = custom.custom_fields_plan(kind, section, custom.custom_targets_named(mapping))
    problems += plan.problems
    targets = {**TARGETS_BY_NAME[kind], **plan.targets()}
    names = ", ".join(TARGETS_BY_NAME[kind])

    def unknown(where: str, target: str) -> str:
        return f"{where}: {custom.unknown_message(kind, custom.custom_key(target))}"

    columns = mapping.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        problems.append('"columns" must map at least one file column to a field.')
        columns = {}
    seen: dict[str, str] = {}
    for column, target in columns.items():
        if target in (None, ""):
            continue  # an ignored column
        if custom.is_custom(target) and target not in targets:
            problems.append(unknown(f"columns.{column!r}", target))
        elif not isinstance(target, str) or target not in targets:
            problems.append(
                f"Column {column!r} maps to {target!r}, which {kind} do not have; "
                f"choose one of: {names} (or custom.<key>)."
            )
        elif target in seen:
            problems.append(f"Columns {seen[target]!r} and {column!r} both map to {target!r}.")
        else:
            seen[target] = column

    # A target with number ranges may also be filled by a template ("{Employees}"), so the
    # same column can give both the number and its band.
    range_entries = _dict_of(mapping, "ranges", problems)
    templates = _dict_of(mapping, "templates", problems)
    for target, template in templates.items():
        if custom.is_custom(target) and target not in targets:
            problems.append(unknown("templates", target))
        elif target not in targets or not (targets[target].is_textual or target in range_entries):
            problems.append(f"templates: {target!r} is not a text field of {kind}.")
        elif target in seen:
            problems.append(
                f"templates: {target!r} is already filled from column {seen[target]!r}."
            )
        elif not isinstance(template, str) or not template_columns(template):
            problems.append(
                f"templates.{target}: write text with column names in braces, "
                'e.g. "Lead {Lead Number}".'
            )
    filled = set(seen) | set(templates)

    tables = _dict_of(mapping, "values", problems)
    for target, table in tables.items():
        if custom.is_custom(target) and target not in targets:
            problems.append(unknown("values", target))
            continue
        if target not in targets:
            problems.append(f"values: {kind} have no field {target!r}; choose one of: {names}.")
            continue
        if target not in filled:
            problems.append(f"values: no column maps to {target!r}.")
        if not isinstance(table, dict):
            problems.append(f"values.{target} must map file values to {target} values.")
            continue
        choices = targets[target].choices
        for source_value, value in table.items():
            if (
                choices is not None
                and value not in (None, "")
                and values.choice_of(choices, value) is None
            ):
                problems.append(
                    f"values.{target}: {source_value!r} maps to {value!r}, which is not one of: "
                    f"{', '.join(choices.values)}."
                )
            elif custom.is_custom(target) and value not in (None, ""):
                try:
                    values.convert(targets[target], value, values.RowOptions())
                except ValueError as exc:
                    problems.append(f"values.{target}: {source_value!r} maps to {value!r}: {exc}")

    problems += _ranges_check(range_entries, tables, targets, filled, kind)

    defaults = _dict_of(mapping, "defaults", problems)
    for target, value in defaults.items():
        if custom.is_custom(target) and target not in targets:
            problems.append(unknown("defaults", target))
            continue
        if target not in targets:
            problems.append(f"defaults: {kind} have no field {target!r}; choose one of: {names}.")
            continue
        try:
            values.convert(targets[target], value, values.RowOptions())
        except ValueError as exc:
            problems.append(f"defaults.{target}: {exc}")

    create_missing = mapping.get("create_missing", [])
    if not isinstance(create_missing, list):
        problems.append('"create_missing" must be a list, e.g. ["account", "owner"].')
        create_missing = []
    for name in create_missing:
        if name not in CREATABLE[kind]:
            allowed = ", ".join(sorted(CREATABLE[kind]))
            problems.append(f"create_missing: {name!r} cannot be created by a {kind} import; "
                            f"only {allowed}.")  # fmt: skip

    required = mapping.get("required", [])
    if not isinstance(required, list) or any(
        r not in targets and not custom.is_custom(r) for r in required
    ):
        problems.append(f'"required" must list fields of {kind}: {names}.')
        required = []
    for target in [r for r in required if r not in targets]:
        problems.append(unknown("required", target))
    required = [r for r in required if r in targets]
    for target in required:
        if target not in filled and target not in defaults:
            problems.append(f"required: no column maps to {target!r}.")

    stage_dates = _dict_of(mapping, "stage_dates", problems)
    if stage_dates and kind != ImportKind.DEALS:
        problems.append('"stage_dates" is for deals: a date column per stage of the pipeline.')
    for stage_name, column in stage_dates.items():
        if not isinstance(column, str) or not column.strip():
            problems.append(
                f"stage_dates.{stage_name}: name the file column that holds the day the deal "
                f"entered {stage_name!r}."
            )

    null_values = mapping.get("null_values", list(DEFAULT_NULL_VALUES))
    if not isinstance(null_values, list) or not all(isinstance(v, str) for v in null_values):
        problems.append('"null_values" must be a list of texts, e.g. ["", "Select", "n/a"].')
        null_values = list(DEFAULT_NULL_VALUES)

    date_format = mapping.get("date_format")
    if date_format is not None:
        try:
            dt.datetime.now().strftime(values.date_format_normalise(str(date_format)))
        except ValueError as exc:
            problems.append(str(exc))
    if mapping.get("decimal_separator", ".") not in (".", ","):
        problems.append('"decimal_separator" must be "." or ",".')
    if mapping.get("encoding"):
        try:
            codecs.lookup(str(mapping["encoding"]))
        except LookupError:
            problems.append(f"Unknown encoding {mapping['encoding']!r}.")

    problems += _kind_needs(kind, filled | set(defaults))
    if problems:
        raise ValidationError({"mapping": problems})
    return {
        **mapping,
        "kind": kind,
        "columns": {c: t for c, t in columns.items() if t},
        "values": tables,
        "templates": templates,
        "defaults": defaults,
        "create_missing": list(create_missing),
        "required": list(required),
        "null_values": null_values,
        "custom_fields": section,
        "stage_dates": stage_dates,
    }


def _ranges_check(
    range_entries: dict[str, Any],
    tables: dict[str, Any],
    targets: dict[str, Target],
    filled: set[str],
    kind: str,
) -> list[str]:
    """Problems of the `ranges` section: unknown or unfilled targets, malformed entries,
    reversed bounds, overlaps, and values (after the value table) the field would refuse."""
    problems: list[str] = []
    for target, entries in range_entries.items():
        if target not in targets:
            problems.append(f"ranges: {kind} have no field {target!r}.")
            continue
        if target not in filled:
            problems.append(f"ranges: no column maps to {target!r}.")
        _ranges, found = values.ranges_read(target, entries)
        problems += found
        table = {values.value_key(k): v for k, v in tables.get(target, {}).items()}
        for number, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            if not isinstance(entry, list) or len(entry) != 3:
                continue
            value = table.get(values.value_key(entry[2]), table.get("*", entry[2]))
            try:
                values.convert(targets[target], value, values.RowOptions())
            except ValueError as exc:
                problems.append(f"ranges.{target}[{number}] {values.json_text(entry)}: {exc}")
    return problems


def _dict_of(mapping: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = mapping.get(key, {})
    if not isinstance(value, dict):
        problems.append(f'"{key}" must be a JSON object.')
        return {}
    return value


def _kind_needs(kind: str, filled: set[str]) -> list[str]:
    need = {
        ImportKind.LEADS: [("source", "Leads need a source: map a column to 'source' or set "
                                      "defaults.source (e.g. \"other\").")],
        ImportKind.ACCOUNTS: [("name", "Accounts need a column mapped to 'name'.")],
        ImportKind.DEALS: [("stage", "Deals need a column mapped to 'stage'.")],
        ImportKind.CONTACTS: [],
        ImportKind.USERS: [("username", "Users need a column mapped to 'username'.")],
        ImportKind.PRODUCTS: [("name", "Products need a column mapped to 'name'.")],
    }[kind]  # fmt: skip
    problems = [message for target, message in need if target not in filled]
    if kind == ImportKind.CONTACTS and not filled & {"last_name", "full_name"}:
        problems.append("Contacts need a column mapped to 'last_name' or 'full_name'.")
    return problems


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def template_columns(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def render_template(template: str, texts: dict[str, str]) -> str:
    """Fill {Column} placeholders; a line whose placeholders are all empty is left out."""
    lines = []
    for line in template.split("\n"):
        names = template_columns(line)
        if names and not any(texts.get(name) for name in names):
            continue
        lines.append(_PLACEHOLDER.sub(lambda m: texts.get(m.group(1), ""), line))
    return "\n".join(lines).strip()


# -- suggesting a mapping ----------------------------------------------------------------------


def _header_words(header: str) -> str:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", header)
    return " ".join(re.sub(r"[^\w]+|_", " ", text.casefold()).split())


def mapping_suggest(headers: Iterable[str], kind: str) -> dict[str, Any]:
    """A starting mapping: each header matched by fuzzy name to at most one field, and back.

    The kind's custom fields are candidates too, by label and key ("Total Visits" ->
    custom.total_visits); a built-in field wins a tie.
    """
    from rapidfuzz import fuzz

    kind_check(kind)
    candidates = list(TARGETS[kind]) + [
        Target(
            f"{custom.PREFIX}{field.key}",
            "custom",
            synonyms=(_header_words(field.label), field.key.replace("_", " ")),
            custom_field=field,
        )
        for field in custom_fields_of(custom.record_kind(kind))
    ]
    scored = []
    for header in headers:
        words = _header_words(header)
        if not words:
            continue
        for target in candidates:
            best = max(
                max(fuzz.ratio(words, syn), fuzz.token_sort_ratio(words, syn))
                for syn in target.synonyms
            )
            if best >= 85:
                scored.append((best, header, target.name))
    columns: dict[str, str] = {}
    used: set[str] = set()
    for _score, header, target in sorted(scored, key=lambda s: -s[0]):
        if header not in columns and target not in used:
            columns[header] = target
            used.add(target)
    ordered = {h: columns[h] for h in headers if h in columns}
    return {"kind": kind, "columns": ordered}


# -- reading a row -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    column: str
    value: str
    message: str


@dataclass
class MappedRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    # Targets whose value came from the file (not a default): an update changes only these.
    from_file: set[str] = field(default_factory=set)
    errors: list[CellError] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    # Deals: stage name -> (file column, the moment the deal entered it), from `stage_dates`.
    stage_dates: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)


class RowMapper:
    """Applies one checked mapping to the rows of one file."""

    def __init__(
        self,
        mapping: dict[str, Any],
        kind: str,
        header: list[str],
        options: values.RowOptions,
        *,
        custom_fields: custom.CustomFieldsPlan | None = None,
    ):
        self.mapping = mapping
        self.kind = kind
        if custom_fields is None:
            custom_fields = custom.custom_fields_plan_of(mapping, kind)
        self.custom_fields = custom_fields
        self.targets: dict[str, Target] = {**TARGETS_BY_NAME[kind], **custom_fields.targets()}
        self.options = options
        self.null_values = {v.strip().casefold() for v in mapping["null_values"]}
        index_of = _header_index(header)
        self.columns: list[tuple[int, str, str]] = []  # (cell index, column, target)
        missing = []
        for column, target in mapping["columns"].items():
            index = index_of.get(_header_key(column))
            if index is None:
                missing.append((column, target))
            else:
                self.columns.append((index, header[index], target))
        self.template_sources: dict[str, int] = {}
        for target, template in mapping["templates"].items():
            for column in template_columns(template):
                index = index_of.get(_header_key(column))
                if index is None:
                    missing.append((column, f"templates.{target}"))
                else:
                    self.template_sources[column] = index
        self.stage_date_columns: list[tuple[int, str, str]] = []  # (cell index, column, stage)
        for stage_name, column in mapping.get("stage_dates", {}).items():
            index = index_of.get(_header_key(column))
            if index is None:
                missing.append((column, f"stage_dates.{stage_name}"))
            else:
                self.stage_date_columns.append((index, header[index], stage_name))
        self.missing_columns = missing
        # Every cell the mapping reads, checked before it is read (`parsing.cell_problem`).
        read = {index: column for index, column, _ in self.columns}
        read.update({index: header[index] for index in self.template_sources.values()})
        read.update({index: column for index, column, _ in self.stage_date_columns})
        self.read_cells: list[tuple[int, str]] = sorted(read.items())
        self.column_of = {target: column for _, column, target in self.columns}
        if "full_name" in self.column_of:  # a refused first or last name was in that column
            for part in ("first_name", "last_name"):
                self.column_of.setdefault(part, self.column_of["full_name"])
        for target in mapping["templates"]:
            self.column_of[target] = f"{target} (template)"
        self.values = {
            target: {values.value_key(k): v for k, v in table.items()}
            for target, table in mapping["values"].items()
        }
        self.ranges = {
            target: values.ranges_read(target, entries)[0]
            for target, entries in mapping.get("ranges", {}).items()
        }

    def column_for(self, target: str) -> str:
        return self.column_of.get(target, target)

    def is_null(self, text: str) -> bool:
        return text.strip().casefold() in self.null_values

    def in_range(self, target: str, cell: Any) -> str:
        """The value of the range holding the cell's number (then read as any cell)."""
        number = values.parse_decimal(cell, decimal_separator=self.options.decimal_separator)
        try:
            return values.cell_text(values.range_value(self.ranges[target], number))
        except LookupError:
            shown = values.json_text(number)
            raise ValueError(
                f"{shown} is in none of the ranges of {target}; add a range for it to the "
                'mapping\'s "ranges".'
            ) from None

    def map(self, record: parsing.Record) -> MappedRow:
        row = MappedRow(record.number)
        cells = record.cells
        for index, column in self.read_cells:
            problem = parsing.cell_problem(cells[index])
            if problem is not None:
                row.errors.append(CellError(column, parsing.cell_shown(cells[index]), problem))
        if row.errors:  # the row cannot be read as it is: nothing of it is converted
            return row
        raw_values: dict[str, Any] = {}
        for index, _column, target in self.columns:
            cell = cells[index]
            text = values.cell_text(cell)
            if self.is_null(text):
                continue
            row.raw[target] = text
            if target in self.ranges:
                try:
                    cell = text = self.in_range(target, cell)
                except ValueError as exc:
                    row.errors.append(CellError(self.column_for(target), text, str(exc)))
                    continue
            if target in self.values:
                table = self.values[target]
                translated = table.get(values.value_key(text), table.get("*", text))
                if translated in (None, "") or self.is_null(str(translated)):
                    continue
                raw_values[target] = translated
            else:
                raw_values[target] = cell if not isinstance(cell, str) else text
        if self.mapping["templates"]:
            texts = {}
            for column, index in self.template_sources.items():
                text = values.cell_text(cells[index])
                texts[column] = "" if self.is_null(text) else text
            for target, template in self.mapping["templates"].items():
                rendered = render_template(template, texts)
                if rendered and target in self.ranges:
                    try:
                        rendered = self.in_range(target, rendered)
                    except ValueError as exc:
                        row.errors.append(CellError(self.column_for(target), rendered, str(exc)))
                        continue
                if rendered:
                    raw_values[target] = rendered
                    row.raw[target] = rendered
        row.from_file = set(raw_values)
        for target, value in self.mapping["defaults"].items():
            if target not in raw_values:
                raw_values[target] = value
        for target, value in raw_values.items():
            try:
                converted = values.convert(self.targets[target], value, self.options)
            except ValueError as exc:
                row.errors.append(
                    CellError(self.column_for(target), row.raw.get(target, str(value)), str(exc))
                )
                continue
            if converted is None:  # a custom field's "no value" (e.g. "," for several choices)
                row.from_file.discard(target)
                continue
            row.values[target] = converted
        for index, column, stage_name in self.stage_date_columns:
            cell = cells[index]
            text = values.cell_text(cell)
            if self.is_null(text):
                continue
            try:  # read as the deal's own moments are
                moment = values.convert(
                    self.targets["created_at"],
                    cell if not isinstance(cell, str) else text,
                    self.options,
                )
            except ValueError as exc:
                row.errors.append(CellError(column, text, str(exc)))
                continue
            row.stage_dates[stage_name] = (column, moment)
            row.raw[column] = text
        if "full_name" in row.values:
            first, last = name_split(row.values.pop("full_name"))
            for target, part in (("first_name", first), ("last_name", last)):
                if target not in row.values and part:
                    row.values[target] = part
                    row.from_file.add(target)
                    row.raw[target] = row.raw.get("full_name", part)
        for target in self.mapping["required"]:
            if row.values.get(target) in (None, "") and not any(
                e.column == self.column_for(target) for e in row.errors
            ):
                row.errors.append(
                    CellError(self.column_for(target), "", "A value is required here.")
                )
        return row


def _header_key(name: str) -> str:
    return " ".join(str(name).replace("\ufeff", "").split()).casefold()


def _header_index(header: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(_header_key(name), position)
    return index


def name_split(full: str) -> tuple[str, str]:
    """ "Ada King Lovelace" -> ("Ada King", "Lovelace"); "Lovelace, Ada" -> ("Ada", "Lovelace")."""
    full = " ".join(full.split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return first, last
