"""Reads of custom field definitions, and filters on custom values.

A filter is written the same way in list pages' query strings, the API and saved views:
`custom.<key>=value`, `custom.<key>__gte=`, `__lte=`, `__in=a,b` and `__isnull=true`. Values are
read with the field's own type rules, so `custom.visits__gte=5` compares numbers and
`custom.first_visit__lte=2024-03-01` dates. For a several-choices field, `=a` means "has a" and
`__in=a,b` "has a or b".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from salesflow.customfields.expressions import custom_compare
from salesflow.customfields.models import CustomField, FieldType
from salesflow.customfields.values import value_from_input

PREFIX = "custom."
OPERATORS = ("gte", "lte", "in", "isnull")
_memo: ContextVar[dict[tuple[str, bool], list[CustomField]] | None] = ContextVar(
    "custom_fields_memo", default=None
)


def custom_fields_of(kind: str, *, archived: bool = False) -> list[CustomField]:
    """The kind's fields in form order; archived ones too when `archived`."""
    memo = _memo.get()
    if memo is not None and (kind, archived) in memo:
        return memo[(kind, archived)]
    fields = CustomField.objects.filter(kind=kind)
    if not archived:
        fields = fields.filter(archived_at__isnull=True)
    result = list(fields.order_by("position", "pk"))
    if memo is not None:
        memo[(kind, archived)] = result
    return result


@contextlib.contextmanager
def custom_fields_cached() -> Iterator[None]:
    """Read each kind's definitions once inside the block (imports, bulk writers)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def custom_field_get(kind: str, key: str) -> CustomField | None:
    for field in custom_fields_of(kind, archived=True):
        if field.key == key:
            return field
    return None


def custom_fields_all() -> QuerySet[CustomField]:
    return CustomField.objects.order_by("kind", "archived_at", "position", "pk")


def custom_filter_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The `custom.` entries of a query string (other parameters are left out)."""
    return {
        name: value
        for name, value in params.items()
        if name.startswith(PREFIX) and value not in (None, "")
    }


def _contains_choice(field: CustomField, key: str) -> Q:
    """A several-choices value holding the choice `key`."""
    if connection.vendor == "postgresql":
        return Q(**{f"custom__{field.key}__contains": [key]})
    # SQLite: JSON1 has no containment operator; look into the array.
    sql = "EXISTS (SELECT 1 FROM json_each(custom, %s) WHERE json_each.value = %s)"
    path = f'$."{field.key}"'
    return Q(RawSQL(sql, (path, key), output_field=BooleanField()))  # noqa: S611 (all bound)


def custom_filter_q(kind: str, params: Mapping[str, Any]) -> Q:
    """The filter `params` ({"custom.visits__gte": "5", ...}) ask for, as one Q.

    Raises ValidationError naming the parameter for an unknown field or operator, or a value
    the field's type cannot read.
    """
    query = Q()
    for name, raw in params.items():
        if not name.startswith(PREFIX):
            continue
        key, _, operator = name[len(PREFIX) :].partition("__")
        field = custom_field_get(kind, key)
        if field is None:
            raise ValidationError({name: f"There is no {kind} field with the key {key!r}."})
        if operator and operator not in OPERATORS:
            raise ValidationError(
                {name: f"Unknown operator {operator!r}; use gte, lte, in or isnull."}
            )
        try:
            query &= _condition(field, operator, raw)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
    return query


def _condition(field: CustomField, operator: str, raw: Any) -> Q:
    if operator == "isnull":
        wanted = str(raw).strip().lower()
        if wanted not in ("true", "false", "1", "0"):
            raise ValidationError("Use isnull=true or isnull=false.")
        has = Q(custom__has_key=field.key)
        return ~has if wanted in ("true", "1") else has
    if operator == "in":
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        values = [_value(field, item) for item in items if str(item).strip()]
        query = Q(pk__in=[])
        for value in values:
            if field.type == FieldType.CHOICES:
                query |= _contains_choice(field, value)
            else:
                query |= custom_compare(field.key, "exact", value)
        return query
    if operator in ("gte", "lte"):
        if field.type in (FieldType.CHOICE, FieldType.CHOICES, FieldType.YES_NO, FieldType.USER):
            raise ValidationError(f"{field.label} cannot be compared with {operator}.")
        return custom_compare(field.key, operator, _value(field, raw))
    value = _value(field, raw)
    if field.type == FieldType.CHOICES:
        return _contains_choice(field, value)
    return custom_compare(field.key, "exact", value)


def _value(field: CustomField, raw: Any) -> Any:
    if field.type == FieldType.CHOICES:
        # One choice at a time: a filter asks whether the list holds it.
        single = CustomField(type=FieldType.CHOICE, label=field.label, choices=field.choices)
        return value_from_input(single, raw)
    value = value_from_input(field, raw)
    if value is None:
        raise ValidationError(f"Give a value for {field.label}, or use __isnull.")
    return value
