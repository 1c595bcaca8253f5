"""SQL for one custom value, written so the database can use the field's index.

Django's own `custom__<key>` lookups pass the JSON path as a query parameter; SQLite cannot
match a parameter against the literal path of an expression index, so its planner never uses
the index. Here the key is written into the SQL (keys are identifiers, checked by the
definition's constraint and again below) and the very same expression builds the index:

- SQLite: `json_extract("custom", '$.key')`, compared with plain values;
- PostgreSQL: `("custom" -> 'key')`, compared with `jsonb` values (jsonb orders numbers as
  numbers and strings as text, so one btree index serves every type).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual

KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"{key!r} is not a custom field key.")
    return key


class CustomValue(Func):
    """The value stored under `key` in the row's `custom` JSON column."""

    output_field = models.JSONField()

    def __init__(self, key: str, column: str = "custom") -> None:
        self.key = _checked(key)
        super().__init__(F(column))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template=f"json_extract(%(expressions)s, '$.{self.key}')"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"(%(expressions)s -> '{self.key}')")


class JsonValue(Func):
    """A Python value as the database compares it with a `CustomValue`."""

    output_field = models.JSONField()

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        value = int(self.value) if isinstance(self.value, bool) else self.value
        return "%s", [value]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return "%s::jsonb", [json.dumps(self.value)]


def custom_compare(key: str, operator: str, value: Any) -> Q:
    """`custom[key] <operator> value` as a filter, with operator `exact`, `gte` or `lte`."""
    lookup = {"exact": Exact, "gte": GreaterThanOrEqual, "lte": LessThanOrEqual}[operator]
    return Q(lookup(CustomValue(key), JsonValue(value)))


def custom_index_sql(*, table: str, key: str, name: str, vendor: str) -> str:
    """CREATE INDEX for a custom field, on the expression `CustomValue` compiles to."""
    key = _checked(key)
    if vendor == "postgresql":
        expression = f"(\"custom\" -> '{key}')"
    else:
        expression = f"json_extract(\"custom\", '$.{key}')"
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" (({expression}))'
