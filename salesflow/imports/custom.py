"""Custom fields in imports: `custom.<key>` targets, and the mapping's `custom_fields` section
that defines the fields an import needs (docs/imports.md, "Custom fields").

The section is checked with the mapping; fields it defines that do not exist yet are created
by `custom_fields_create` when an admin's import starts for real. Until then (previews, dry
runs, anyone's mapping check) they are unsaved `CustomField` objects, so a row's values are
checked against them exactly as they will be once they exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.customfields.selectors import PREFIX, custom_fields_of
from salesflow.customfields.services import KEY_PATTERN, choices_clean, custom_field_create
from salesflow.imports.models import ImportKind
from salesflow.imports.targets import Target

RECORD_KINDS = {
    ImportKind.LEADS: RecordKind.LEAD,
    ImportKind.CONTACTS: RecordKind.CONTACT,
    ImportKind.ACCOUNTS: RecordKind.ACCOUNT,
    ImportKind.DEALS: RecordKind.DEAL,
}
# What a definition in the section may say. Required fields and defaults are left to the custom
# fields page: an import should not make every existing record of the kind incomplete.
SECTION_KEYS = (
    "key", "label", "type", "choices", "section", "help_text", "currency", "is_outcome",
    "is_personal", "show_in_list",
)  # fmt: skip
FLAGS = ("is_outcome", "is_personal", "show_in_list")
TEXTS = {"label": 100, "section": 60, "help_text": 300}
SETTINGS_PAGE = "Settings → Custom fields"


def is_custom(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(PREFIX)


def custom_key(target: str) -> str:
    return target[len(PREFIX) :]


def record_kind(kind: str) -> str:
    """The custom field kind of an import kind; "user" for users, who have no custom fields."""
    return RECORD_KINDS.get(kind, "user")


def unknown_message(kind: str, key: str) -> str:
    if kind not in RECORD_KINDS:
        return f"{kind} have no custom fields."
    return (
        f"there is no {record_kind(kind)} custom field {key!r}; define it in the mapping's "
        f'"custom_fields" or under {SETTINGS_PAGE}.'
    )


# -- the section ---------------------------------------------------------------------------


def _choice_items(raw: Any) -> list[dict[str, Any]] | None:
    """Choices as {key, label, archived}, keys made as the custom fields page makes them; None
    when the section's choices cannot be read (the caller names the problem)."""
    if not isinstance(raw, list) or not raw:
        return None
    try:
        return choices_clean(raw)
    except ValidationError:
        return None


def section_read(raw: Any, kind: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The `custom_fields` section as checked definitions, and its problems."""
    if raw in (None, []):
        return [], []
    if kind not in RECORD_KINDS:
        return [], [f'"custom_fields": {kind} have no custom fields.']
    if not isinstance(raw, list):
        return [], [
            '"custom_fields" must be a list of fields, e.g. '
            '[{"key": "total_visits", "label": "Total visits", "type": "number"}].'
        ]
    problems: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    types = ", ".join(FieldType.values)
    for index, item in enumerate(raw):
        where = f"custom_fields[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object with a key, a label and a type.")
            continue
        key = item.get("key")
        if isinstance(key, str) and key:
            where = f"custom_fields.{key}"
        for name in sorted(set(item) - set(SECTION_KEYS)):
            problems.append(
                f"{where}: unknown setting {name!r}; a field may have: {', '.join(SECTION_KEYS)}."
            )
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problems.append(
                f"{where}: the key must be lower-case letters, digits and underscores, starting "
                "with a letter (at most 50)."
            )
            continue
        if key in seen:
            problems.append(f"{where} is defined twice.")
            continue
        seen.add(key)
        definition: dict[str, Any] = {"key": key}
        for name, limit in TEXTS.items():
            value = item.get(name, "")
            if not isinstance(value, str) or len(value.strip()) > limit:
                problems.append(f"{where}: {name} must be a text of at most {limit} characters.")
            elif value.strip():
                definition[name] = " ".join(value.split())
        if "label" not in definition:
            problems.append(
                f"{where}: give it a label, e.g. {key.replace('_', ' ').capitalize()!r}."
            )
        field_type = item.get("type")
        if field_type not in FieldType.values:
            problems.append(f"{where}: type {field_type!r} is not one of: {types}.")
            continue
        definition["type"] = field_type
        if field_type in (FieldType.CHOICE, FieldType.CHOICES):
            choices = _choice_items(item.get("choices"))
            if choices is None:
                problems.append(
                    f"{where}: a {field_type} field needs its choices, a list of labels such as "
                    '["Email Opened", "SMS Sent"].'
                )
            elif len({choice["key"] for choice in choices}) < len(choices):
                problems.append(f"{where}: a choice is listed twice.")
            else:
                definition["choices"] = item["choices"]
        elif item.get("choices"):
            problems.append(f"{where}: only choice fields have choices.")
        currency = item.get("currency", "")
        if field_type == FieldType.MONEY:
            if not isinstance(currency, str) or len(currency.strip()) != 3:
                problems.append(f'{where}: a money field needs its currency, e.g. "EUR".')
            else:
                definition["currency"] = currency.strip().upper()
        elif currency:
            problems.append(f"{where}: only money fields have a currency.")
        for flag in FLAGS:
            if flag in item:
                if not isinstance(item[flag], bool):
                    problems.append(f"{where}: {flag} must be true or false.")
                else:
                    definition[flag] = item[flag]
        cleaned.append(definition)
    return cleaned, problems


def _unsaved(kind: str, definition: dict[str, Any]) -> CustomField:
    data = {name: value for name, value in definition.items() if name != "choices"}
    return CustomField(
        kind=record_kind(kind),
        choices=_choice_items(definition.get("choices")) or [],
        **data,
    )


# -- what a mapping needs -------------------------------------------------------------------


def custom_targets_named(mapping: Any) -> set[str]:
    """Every `custom.<key>` the mapping names (columns, templates, values, defaults, required),
    read leniently: the mapping may not have been checked yet."""
    if not isinstance(mapping, dict):
        return set()
    names: set[Any] = set()
    columns = mapping.get("columns")
    if isinstance(columns, dict):
        names |= {t for t in columns.values() if isinstance(t, str)}
    for section in ("templates", "values", "defaults"):
        if isinstance(mapping.get(section), dict):
            names |= set(mapping[section])
    if isinstance(mapping.get("required"), list):
        names |= {t for t in mapping["required"] if isinstance(t, str)}
    return {name for name in names if is_custom(name)}


@dataclass
class CustomFieldsPlan:
    """The custom fields an import of one kind uses, by key: existing ones, and unsaved ones
    that the mapping's section defines (created when the import runs for real)."""

    kind: str
    fields: dict[str, CustomField] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[CustomField]:
        return [f for f in self.fields.values() if f.pk is None]

    def targets(self) -> dict[str, Target]:
        return {
            f"{PREFIX}{key}": Target(f"{PREFIX}{key}", "custom", custom_field=custom_field)
            for key, custom_field in self.fields.items()
        }


def fields_text(fields: Iterable[CustomField]) -> str:
    """ "Total visits (total_visits, whole number) and Lead origin (lead_origin, one choice)" """
    named = [f"{f.label} ({f.key}, {f.get_type_display().lower()})" for f in fields]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def custom_fields_plan(
    kind: str, section: list[dict[str, Any]], named: Iterable[str]
) -> CustomFieldsPlan:
    """Which fields exist, which the section would create, and what clashes.

    An existing field is used as it is, whatever the section says of its label or choices;
    only a different type is refused. Fields named but neither existing nor defined are left
    out (the mapping check names them where they are used).
    """
    plan = CustomFieldsPlan(kind=kind)
    named = set(named)
    keys = {custom_key(name) for name in named} | {d["key"] for d in section}
    if not keys:
        return plan
    rkind = record_kind(kind)
    existing = {f.key: f for f in CustomField.objects.filter(kind=rkind, key__in=keys)}
    for definition in section:
        key = definition["key"]
        found = existing.get(key)
        if found is None:
            plan.fields[key] = _unsaved(kind, definition)
        elif found.type != definition["type"]:
            wanted = FieldType(definition["type"]).label.lower()
            plan.problems.append(
                f"custom_fields.{key}: the {rkind} custom field {key!r} ({found.label}) exists "
                f"already as {found.get_type_display().lower()}, not {wanted}; change the "
                f"mapping's type, or the field's under {SETTINGS_PAGE}."
            )
    for key in sorted(keys):
        found = existing.get(key)
        if found is None:
            continue
        if found.is_archived and f"{PREFIX}{key}" in named:
            plan.problems.append(
                f"custom.{key}: the {rkind} custom field {key!r} ({found.label}) is archived; "
                f"restore it under {SETTINGS_PAGE}, or leave it out of the mapping."
            )
        plan.fields[key] = found
    return plan


def custom_targets_offered(kind: str, mapping: dict[str, Any] | None) -> list[Target]:
    """What the wizard offers as custom targets: the kind's fields in form order, then those
    the mapping's section would create."""
    if kind not in RECORD_KINDS:
        return []
    fields = {f.key: f for f in custom_fields_of(record_kind(kind))}
    section, _problems = section_read((mapping or {}).get("custom_fields", []), kind)
    for definition in section:
        fields.setdefault(definition["key"], _unsaved(kind, definition))
    return list(CustomFieldsPlan(kind=kind, fields=fields).targets().values())


def custom_fields_plan_of(mapping: dict[str, Any], kind: str) -> CustomFieldsPlan:
    """The plan of a checked mapping."""
    section, _problems = section_read(mapping.get("custom_fields", []), kind)
    return custom_fields_plan(kind, section, custom_targets_named(mapping))


def custom_fields_refusal(plan: CustomFieldsPlan) -> str:
    """Why a user who is not an admin cannot run an import that creates fields."""
    several = len(plan.missing) > 1
    fields, do, them = ("fields", "do", "them") if several else ("field", "does", "it")
    return (
        f"custom_fields: the {record_kind(plan.kind)} custom {fields} {fields_text(plan.missing)} "
        f"{do} not exist yet, and only an admin can create {them}. Ask an admin to run this "
        f"import (which creates {them}), or to add {them} under {SETTINGS_PAGE}."
    )


def custom_fields_create(*, acting_user: Any, plan: CustomFieldsPlan) -> list[CustomField]:
    """Create the fields the plan is missing, through the custom fields service (admins only:
    it raises PermissionDenied otherwise). Call it inside a transaction, so that a refused
    field leaves none of the others."""
    created = []
    for unsaved in plan.missing:
        data: dict[str, Any] = {
            name: getattr(unsaved, name)
            for name in ("label", "section", "help_text", "currency", *FLAGS)
        }
        if unsaved.is_choice:
            data["choices"] = [{"key": c["key"], "label": c["label"]} for c in unsaved.choices]
        try:
            created_field = custom_field_create(
                acting_user=acting_user,
                kind=unsaved.kind,
                key=unsaved.key,
                type=unsaved.type,
                **data,
            )
        except ValidationError as error:
            raise ValidationError({f"custom_fields.{unsaved.key}": error.messages}) from error
        plan.fields[unsaved.key] = created_field
        created.append(created_field)
    return created
