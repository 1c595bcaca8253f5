"""Custom fields on list pages and in their CSV exports: filters, columns, export columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from salesflow.customfields.models import CustomField, FieldType
from salesflow.customfields.selectors import (
    PREFIX,
    custom_fields_of,
    custom_filter_params,
    custom_filter_q,
)
from salesflow.customfields.values import value_display

# The types a list filters on with a drop-down; numbers and dates get a from/to pair.
CHOSEN = (FieldType.CHOICE, FieldType.CHOICES, FieldType.YES_NO)
RANGED = (FieldType.NUMBER, FieldType.DECIMAL, FieldType.MONEY, FieldType.DATE)


def custom_columns(kind: str) -> list[CustomField]:
    """The kind's fields an admin chose to show as list columns (and filters)."""
    return [field for field in custom_fields_of(kind) if field.show_in_list]


class CustomFilterFormMixin:
    """For a `ListFilterForm`: filters on the kind's list-column custom fields (a drop-down for
    choices and yes/no, from/to for numbers and dates), plus any `custom.<key>...` parameter in
    the query string (the API's syntax). `filters()` hands them to the selector as `custom`; a
    filter that is not valid is shown as an error and left out."""

    custom_kind: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.custom_columns = custom_columns(self.custom_kind)
        for field in self.custom_columns:
            name = PREFIX + field.key
            if field.type in CHOSEN:
                choices = (
                    [("true", "Yes"), ("false", "No")]
                    if field.type == FieldType.YES_NO
                    else [(c["key"], c["label"]) for c in field.choices if not c.get("archived")]
                )
                self.fields[name] = forms.ChoiceField(
                    label=field.label, required=False, choices=[("", "Any"), *choices]
                )
            elif field.type in RANGED:
                widget = (
                    forms.DateInput(attrs={"type": "date"})
                    if field.type == FieldType.DATE
                    else None
                )
                for operator, word in (("gte", "from"), ("lte", "to")):
                    self.fields[f"{name}__{operator}"] = forms.CharField(
                        label=f"{field.label} {word}", required=False, widget=widget
                    )

    def filters(self) -> dict[str, Any]:
        values = super().filters()
        custom = {name: values.pop(name) for name in list(values) if name.startswith(PREFIX)}
        custom |= {
            name: value
            for name, value in custom_filter_params(self.data).items()
            if name not in self.fields
        }
        valid = {}
        for name, value in custom.items():
            try:
                custom_filter_q(self.custom_kind, {name: value})
            except ValidationError as error:
                messages = error.message_dict.get(name, error.messages)
                if name in self.fields:
                    self.add_error(name, messages)
                else:
                    self.add_error(None, messages)
                continue
            valid[name] = value
        values["custom"] = valid
        return values


def value_export(field: CustomField, stored: Any, *, usernames: dict[int, str]) -> Any:
    """A stored value as a CSV cell that imports back to the same value: ISO dates, numbers as
    they are, choices by label, yes/no, users by username."""
    if stored is None or stored == []:
        return ""
    if field.type == FieldType.USER:
        return usernames.get(stored, stored)
    if field.type in (FieldType.DATE, FieldType.DATETIME, FieldType.NUMBER, FieldType.DECIMAL,
                      FieldType.MONEY):  # fmt: skip
        return stored
    return value_display(field, stored)


def custom_export(kind: str) -> tuple[list[tuple[str, str]], dict[str, Callable[[Any], Any]]]:
    """The export columns of every active custom field of `kind` (`custom.<key>` headers, the
    import mapping's targets) and how each cell is written."""
    fields = custom_fields_of(kind)
    usernames: dict[int, str] = {}
    if any(field.type == FieldType.USER for field in fields):
        from salesflow.users.models import User

        usernames = dict(User.objects.values_list("pk", "username"))
    columns = [(PREFIX + field.key, f"custom__{field.key}") for field in fields]
    formats = {
        PREFIX + field.key: (lambda value, f=field: value_export(f, value, usernames=usernames))
        for field in fields
    }
    return columns, formats
