"""The custom fields on record forms, and the admin's definition form."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from salesflow.core.forms import ActionForm, DateInput, DateTimeInput, ServiceForm
from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.customfields.selectors import PREFIX, custom_fields_of
from salesflow.customfields.values import value_python

YES_NO_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def form_field_for(field: CustomField, current: Any = None) -> forms.Field:
    """The Django form field that edits a custom field's value."""
    common = {"label": field.label, "help_text": field.help_text, "required": field.is_required}
    kind = field.type
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, **common)
    if kind == FieldType.NUMBER:
        return forms.IntegerField(**common)
    if kind in (FieldType.DECIMAL, FieldType.MONEY):
        if kind == FieldType.MONEY:
            common["label"] = f"{field.label} ({field.currency})"
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=DateInput(), **common)
    if kind == FieldType.DATETIME:
        return forms.DateTimeField(widget=DateTimeInput(), **common)
    if kind == FieldType.YES_NO:
        return forms.TypedChoiceField(
            choices=YES_NO_CHOICES, coerce=lambda v: v == "true", empty_value=None, **common
        )
    if kind in (FieldType.CHOICE, FieldType.CHOICES):
        held = set(current if isinstance(current, list) else [current] if current else [])
        choices = [
            (c["key"], c["label"])
            for c in field.choices
            if not c.get("archived") or c["key"] in held  # an archived choice still held shows
        ]
        if kind == FieldType.CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *choices], **common)
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.URL:
        return forms.URLField(max_length=1000, assume_scheme="https", **common)
    if kind == FieldType.EMAIL:
        return forms.EmailField(**common)
    if kind == FieldType.USER:
        from salesflow.users.models import User

        return forms.ModelChoiceField(
            queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
            empty_label="—",
            **common,
        )
    return forms.CharField(max_length=1000, **common)  # text, phone


class CustomFieldsFormMixin:
    """Adds the kind's custom fields (named `custom.<key>`) to a ServiceForm, each section as
    a fieldset, and hands their values to the service as `custom={key: value}`.

    Put it before the form base and set `custom_kind`:
    `class LeadForm(CustomFieldsFormMixin, OwnerFieldMixin, VersionedServiceForm)`.
    """

    custom_kind: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record = getattr(self, "record", None)
        stored = (getattr(record, "custom", None) or {}) if record is not None else {}
        self.custom_fields = custom_fields_of(self.custom_kind)
        sections: dict[str, list[str]] = {}
        for field in self.custom_fields:
            name = PREFIX + field.key
            current = stored.get(field.key, field.default if record is None else None)
            self.fields[name] = form_field_for(field, current)
            value = value_python(field, current)
            if field.type == FieldType.YES_NO and value is not None:
                value = "true" if value else "false"
            self.initial[name] = value
            self.fields[name].initial = value
            sections.setdefault(field.section or "More details", []).append(name)
        if sections:
            self.fieldsets = [*(self.fieldsets or [("", list(self.base_fields))]),
                              *sections.items()]  # fmt: skip

    def custom_values(self, *, changed_only: bool) -> dict[str, Any]:
        names = self.changed_data if changed_only else list(self.fields)
        return {
            name[len(PREFIX) :]: self.cleaned_data.get(name)
            for name in names
            if name.startswith(PREFIX)
        }

    def changes(self) -> dict[str, Any]:
        data = super().changes()
        custom = self.custom_values(changed_only=True)
        if custom:
            data["custom"] = custom
        return data

    def values(self) -> dict[str, Any]:
        data = super().values()
        data["custom"] = self.custom_values(changed_only=False)
        return data


def choices_as_text(choices: list[dict[str, Any]]) -> str:
    """Choices for the definition form's text area: `key = Label`, one per line."""
    lines = []
    for choice in choices:
        suffix = " (archived)" if choice.get("archived") else ""
        lines.append(f"{choice['key']} = {choice['label']}{suffix}")
    return "\n".join(lines)


def choices_from_text(text: str) -> list[dict[str, Any]]:
    """`key = Label` lines keep their key (so renaming the label keeps the values); a line with
    only a label is a new choice; `(archived)` at the end archives one."""
    choices = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        archived = line.endswith("(archived)")
        line = re.sub(r"\s*\(archived\)$", "", line)
        key, sep, label = line.partition(" = ")
        item = {"key": key.strip(), "label": label.strip()} if sep else {"label": line}
        choices.append({**item, "archived": archived})
    return choices


class CustomFieldForm(ServiceForm):
    """Define or change a custom field; key, kind and type are set once, at creation."""

    choices_text = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line. Existing choices read “key = Label”: change the label to rename "
        "it (records keep it); add “(archived)” to stop offering it.",
    )
    default_text = forms.CharField(
        label="Default", required=False, help_text="Filled in on new records; blank: none."
    )
    fieldsets = [
        ("Field", ["kind", "key", "label", "type", "help_text"]),
        ("Values", ["choices_text", "currency", "default_text", "is_required"]),
        ("Where it shows", ["section", "position", "show_in_list"]),
        ("Data protection and learning", ["is_personal", "is_outcome"]),
    ]

    class Meta:
        model = CustomField
        fields = [
            "kind", "key", "label", "type", "help_text", "is_required", "currency", "section",
            "position", "show_in_list", "is_personal", "is_outcome",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = RecordKind.choices
        if self.record is not None:
            for fixed in ("kind", "key", "type"):
                self.fields[fixed].disabled = True
            self.fields["choices_text"].initial = choices_as_text(self.record.choices)
            default = self.record.default
            self.fields["default_text"].initial = "" if default is None else str(default)
        self.fields["position"].required = False

    def service_data(self, *, changed_only: bool) -> dict[str, Any]:
        data = self.changes() if changed_only else self.values()
        for fixed in ("kind", "key", "type"):
            if changed_only:
                data.pop(fixed, None)
        if data.get("position") is None:
            data.pop("position", None)
        if not changed_only or "choices_text" in self.changed_data:
            data["choices"] = choices_from_text(self.cleaned_data.get("choices_text", ""))
        if not changed_only or "default_text" in self.changed_data:
            data["default"] = self.cleaned_data.get("default_text") or None
        return data


class TypeChangeForm(ActionForm):
    to_type = forms.ChoiceField(label="New type", choices=FieldType.choices)
