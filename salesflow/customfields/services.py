"""Writes of custom field definitions (admins only) and of the values on records.

Every service of an app with custom fields takes `custom={key: value}` among its data and calls
`custom_values_assign`, so values are checked by type in one place, whatever wrote them (a form,
the API, an import).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from salesflow.customfields.expressions import KEY, custom_index_sql
from salesflow.customfields.models import KIND_MODELS, CustomField, FieldType, RecordKind
from salesflow.customfields.selectors import custom_fields_of
from salesflow.customfields.values import is_empty, value_from_input
from salesflow.users.policy import require_admin

DEFINITION_FIELDS = {
    "label", "help_text", "is_required", "default", "choices", "currency", "section",
    "position", "is_personal", "is_outcome", "show_in_list",
}  # fmt: skip
# Keys are identifiers; the same rule lets `expressions` write them into SQL.
KEY_PATTERN = KEY
# Types that convert into each other without looking at the values.
ALWAYS_CONVERTS = {FieldType.TEXT, FieldType.LONG_TEXT}


def kind_model(kind: str) -> type[models.Model]:
    return apps.get_model(*KIND_MODELS[RecordKind(kind)])


def choices_clean(raw: Any, *, current: list[dict[str, Any]] | None = None) -> list[dict]:
    """Choices from a list of labels or of {key, label, archived}; keys are made from new
    labels and never change once given."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [line for line in re.split(r"[\n;]", raw) if line.strip()]
    if not isinstance(raw, list):
        raise ValidationError({"choices": "Give the choices as a list."})
    known = {choice["key"]: choice for choice in current or []}
    cleaned: list[dict[str, Any]] = []
    for item in raw:
        if isinstance(item, str):
            item = {"label": item}
        if not isinstance(item, dict) or not str(item.get("label", "")).strip():
            raise ValidationError({"choices": "Every choice needs a label."})
        label = " ".join(str(item["label"]).split())[:100]
        key = str(item.get("key") or slugify(label).replace("-", "_") or f"choice_{len(cleaned)}")
        if key in {c["key"] for c in cleaned}:
            raise ValidationError({"choices": f"The choice {label!r} is listed twice."})
        cleaned.append({"key": key, "label": label, "archived": bool(item.get("archived"))})
    dropped = set(known) - {choice["key"] for choice in cleaned}
    if dropped:
        # Kept as archived, so records holding them keep a label: nothing is lost.
        cleaned += [{**known[key], "archived": True} for key in known if key in dropped]
    return cleaned


def _definition_check(field: CustomField) -> None:
    if field.is_choice and not field.choice_keys(active_only=True):
        raise ValidationError({"choices": "A choice field needs at least one active choice."})
    if not field.is_choice:
        field.choices = []
    if field.type == FieldType.MONEY and not field.currency:
        raise ValidationError({"currency": "A money field needs a currency."})
    field.currency = (field.currency or "").upper()
    if field.default is not None:
        try:
            field.default = value_from_input(field, field.default)
        except ValidationError as error:
            raise ValidationError({"default": error.messages}) from None
    field.full_clean()


def custom_field_index_ensure(field: CustomField) -> None:
    """An index on the field's value in its kind's table, so filters on it stay fast: an
    expression index on exactly the SQL that `CustomValue` compiles to."""
    if field.type == FieldType.LONG_TEXT:
        return
    table = kind_model(field.kind)._meta.db_table
    sql = custom_index_sql(
        table=table, key=field.key, name=custom_field_index_name(field), vendor=connection.vendor
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL refuses CREATE INDEX on a table whose rows this transaction changed
            # while their deferred foreign-key checks are pending (a new field's default
            # written into existing records): run those checks first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)


def custom_field_index_name(field: CustomField) -> str:
    return f"custom_{field.kind[:4]}_{field.pk}"


@transaction.atomic
def custom_field_create(
    *, acting_user: Any, kind: str, key: str, type: str, **data: Any
) -> CustomField:
    """Define a field and build the index its filters use (in the same transaction)."""
    require_admin(acting_user)
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationError(
            {"key": "Use lower-case letters, digits and underscores, starting with a letter."}
        )
    if kind not in RecordKind.values:
        raise ValidationError({"kind": f"Unknown kind of record {kind!r}."})
    if CustomField.objects.filter(kind=kind, key=key).exists():
        raise ValidationError({"key": f"A {kind} field with the key {key!r} exists already."})
    unknown = set(data) - DEFINITION_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    field = CustomField(kind=kind, key=key, type=type)
    for name, value in data.items():
        setattr(field, name, value)
    field.choices = choices_clean(data.get("choices"))
    if "position" not in data:
        last = CustomField.objects.filter(kind=kind).aggregate(last=Max("position"))["last"]
        field.position = (last or 0) + 1
    _definition_check(field)
    field.save()
    custom_field_index_ensure(field)
    return field


@transaction.atomic
def custom_field_update(field: CustomField, *, acting_user: Any, **data: Any) -> CustomField:
    """Change what a field shows and accepts. The key, the kind and the type stay (see
    `custom_field_type_change`); a choice left out of `choices` is archived, not lost."""
    require_admin(acting_user)
    for fixed in ("key", "kind", "type"):
        if fixed in data and data[fixed] != getattr(field, fixed):
            message = (
                "changes with custom_field_type_change" if fixed == "type" else "never changes"
            )
            raise ValidationError({fixed: f"A field's {fixed} {message}."})
        data.pop(fixed, None)
    unknown = set(data) - DEFINITION_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    stored_choices = CustomField.objects.filter(pk=field.pk).values_list("choices", flat=True)
    for name, value in data.items():
        setattr(field, name, value)
    if "choices" in data:
        field.choices = choices_clean(data["choices"], current=stored_choices.first())
    _definition_check(field)
    field.save()
    return field


@transaction.atomic
def custom_field_archive(field: CustomField, *, acting_user: Any) -> CustomField:
    """Remove the field from forms, lists and the API's writes; records keep their values."""
    require_admin(acting_user)
    if field.archived_at is None:
        field.archived_at = timezone.now()
        field.save(update_fields=["archived_at", "updated_at"])
    return field


@transaction.atomic
def custom_field_restore(field: CustomField, *, acting_user: Any) -> CustomField:
    require_admin(acting_user)
    field.archived_at = None
    field.save(update_fields=["archived_at", "updated_at"])
    return field


@transaction.atomic
def custom_field_type_change(field: CustomField, *, acting_user: Any, to_type: str) -> int:
    """Change a field's type and convert every stored value; refused, changing nothing, when a
    value would not convert (naming how many and one example). Returns how many records were
    converted."""
    require_admin(acting_user)
    if to_type not in FieldType.values:
        raise ValidationError({"type": f"Unknown type {to_type!r}."})
    if to_type == field.type:
        return 0
    target = CustomField(**{f.attname: getattr(field, f.attname) for f in field._meta.fields})
    target.type = to_type
    if target.is_choice and not target.choices:
        raise ValidationError({"choices": "Give the choices before changing to a choice type."})
    model = kind_model(field.kind)
    rows = model._default_manager.filter(custom__has_key=field.key).only("pk", "custom")
    rows = rows.order_by("pk")
    converted, failures, example = [], 0, None
    for record in rows.iterator(chunk_size=2000):
        stored = record.custom[field.key]
        raw = ", ".join(map(str, stored)) if isinstance(stored, list) else stored
        if to_type in ALWAYS_CONVERTS and field.type == FieldType.CHOICES:
            raw = ", ".join(field.choice_label(key) for key in stored)
        elif to_type in ALWAYS_CONVERTS and field.type == FieldType.CHOICE:
            raw = field.choice_label(stored)
        try:
            value = value_from_input(target, raw)
        except ValidationError:
            failures += 1
            example = example or (record.pk, stored)
            continue
        record.custom[field.key] = value
        converted.append(record)
    if failures:
        raise ValidationError(
            {
                "type": f"{failures} stored value{'s' if failures > 1 else ''} would not convert "
                f"to {target.get_type_display().lower()}, e.g. {example[1]!r} on record "
                f"#{example[0]}. Correct or clear them first."
            }
        )
    model._default_manager.bulk_update(converted, ["custom"], batch_size=1000)
    field.type = to_type
    field.choices = target.choices
    _definition_check(field)
    field.save()
    return len(converted)


_required_waived: ContextVar[bool] = ContextVar("custom_required_waived", default=False)


@contextlib.contextmanager
def custom_required_waived() -> Iterator[None]:
    """Inside the block new records may leave required custom fields empty: records made by
    Salesflow itself rather than by a person filling their form (a web-form submission from the
    public, a lead converted into an account, a contact and a deal). Types are still checked."""
    token = _required_waived.set(True)
    try:
        yield
    finally:
        _required_waived.reset(token)


def custom_values_assign(record: models.Model, raw: Mapping[str, Any] | None, *, kind: str) -> bool:
    """Check `raw` ({key: value}) against the kind's fields and merge it into `record.custom`.

    A new record (no pk) gets the defaults of fields `raw` leaves out and must have every
    required field; an existing one changes only the keys given. An empty value removes the
    key. Errors name the field as `custom.<key>` with the type it expects. Returns whether
    anything changed.
    """
    if raw is not None and not isinstance(raw, Mapping):
        raise ValidationError({"custom": "Custom fields are an object of key: value."})
    raw = dict(raw or {})
    fields = {field.key: field for field in custom_fields_of(kind, archived=True)}
    current = dict(record.custom or {})
    errors: dict[str, list[str]] = {}
    values = dict(current)
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            errors[f"custom.{key}"] = [f"There is no {kind} field with the key {key!r}."]
            continue
        if field.is_archived and value != current.get(key):
            errors[f"custom.{key}"] = [f"{field.label} is archived; restore it to change it."]
            continue
        try:
            cleaned = value_from_input(field, value)
        except ValidationError as error:
            errors[f"custom.{key}"] = error.messages
            continue
        if cleaned is None:
            values.pop(key, None)
        else:
            values[key] = cleaned
    for key, field in fields.items():
        if field.is_archived:
            continue
        if record.pk is None and key not in raw and field.default is not None:
            values[key] = field.default
        missing = field.is_required and is_empty(values.get(key)) and not _required_waived.get()
        if missing and f"custom.{key}" not in errors and (record.pk is None or key in raw):
            errors[f"custom.{key}"] = [f"{field.label} is required."]
    if errors:
        raise ValidationError(errors)
    if values == current:
        return False
    record.custom = values
    return True


def custom_assign(record: models.Model, data: dict[str, Any], *, kind: str) -> list[str]:
    """For a create or update service: take `custom` out of `data` (so the model's own fields
    are assigned as before) and merge it into the record; `["custom"]` when that changed."""
    raw = data.pop("custom", None)
    if raw is None and record.pk is not None:
        return []
    return ["custom"] if custom_values_assign(record, raw, kind=kind) else []
