"""Edit conflicts: what a user sees when someone else saved the record they were editing.

A `VersionedServiceForm` carries, besides the version the user read, the values the form
showed then (`original`, signed). When the service refuses a stale version, `conflict_build`
compares three things per field: what the user typed, what they read, and what is saved now.
Fields where the typed value and the saved value differ are listed side by side; those the
user changed ask them to choose ("keep mine" / "keep saved"), those only the other person
changed are kept as saved. Nothing is written until the user chooses and submits; the submit
carries the new version and only the chosen values (`conflict_resolved_data`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.http import QueryDict
from django.utils import formats, timezone

RESOLVE = "conflict-resolve"  # marks a POST that resolves a conflict
KEEP = "keep-"  # keep-<field>: "mine" or "saved"
MINE = "mine-"  # mine-<field>: the value the user typed, carried to the resolving POST
CONTROL_FIELDS = ("version", "original")
SALT = "salesflow.conflict.original"


@dataclass
class ConflictRow:
    name: str
    label: str
    mine: str
    saved: str
    mine_raw: list[str]
    choose: bool  # False: only the other person changed it, the saved value is kept
    preselect: str = ""  # "mine" when the other person did not change this field
    error: str = ""


@dataclass
class Conflict:
    noun: str
    who: str = ""
    when: str = ""
    version: int | None = None  # the saved version the resolving POST sends
    original: str = ""  # the saved values, signed, as the next `original`
    rows: list[ConflictRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.who and self.when:
            since = f"{self.who} at {self.when}"
        elif self.who:
            since = self.who
        else:
            since = "since you opened it"
        return f"Someone else saved this {self.noun} while you were editing: {since}."

    @property
    def choices(self) -> list[ConflictRow]:
        return [row for row in self.rows if row.choose]


def original_token(values: dict[str, Any]) -> str:
    """The values the form shows now, signed, for the hidden `original` field."""
    return signing.dumps(json.dumps(values, cls=DjangoJSONEncoder), salt=SALT, compress=True)


def original_values(token: str) -> dict[str, Any] | None:
    try:
        return json.loads(signing.loads(token, salt=SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def form_initial_values(form: forms.BaseForm) -> dict[str, Any]:
    """Every field's initial value as the form shows it (custom fields included)."""
    return {
        name: form.get_initial_for_field(field, name)
        for name, field in form.fields.items()
        if name not in CONTROL_FIELDS
    }


def _as_python(field: forms.Field, value: Any) -> Any:
    """A value read back from JSON, in the type `field.has_changed` compares with."""
    if isinstance(field, forms.ModelChoiceField) or value in (None, ""):
        return value  # model choices compare by primary key
    try:
        return field.to_python(value)
    except forms.ValidationError:
        return value


def _changed(field: forms.Field, initial: Any, raw: Any) -> bool:
    if field.disabled:
        return False
    return field.has_changed(initial, raw)


def changed_from_read(field: forms.Field, read: Any, raw: Any) -> bool:
    """Whether `raw` (a value as the widget sends it) differs from `read`, a value of the
    `original` token (as JSON gave it back)."""
    return _changed(field, _as_python(field, read), raw)


def saved_changed_since_read(field: forms.Field, read: Any, saved: Any) -> bool:
    """Whether the saved python value differs from the value the user read. (Not through
    `_prepared`: it makes a yes/no/unknown field's None a False.)"""
    return _changed(field, _as_python(field, read), field.prepare_value(saved))


def value_text(field: forms.Field, value: Any) -> str:
    """A value as a person reads it: the option's label, Yes/No, a formatted date."""
    if value in (None, "", [], ()):
        return "(empty)"
    if isinstance(field, forms.ModelMultipleChoiceField):
        items = value if not hasattr(value, "all") else value.all()
        pks = [item.pk if isinstance(item, Model) else item for item in items]
        return ", ".join(
            str(obj) for obj in field.queryset.model._default_manager.filter(pk__in=pks)
        )
    if isinstance(field, forms.ModelChoiceField):
        if not isinstance(value, Model):
            value = field.queryset.model._default_manager.filter(pk=value).first()
        label = getattr(field, "label_from_instance", str)
        return label(value) if value is not None else "(removed)"
    if isinstance(value, list | tuple) and isinstance(field, forms.ChoiceField):
        labels = {str(key): text for key, text in field.choices}
        return ", ".join(str(labels.get(str(item), item)) for item in value)
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): text for key, text in field.choices}
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal | float):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return str(value)


def _raw_list(raw: Any) -> list[str]:
    if raw is None or raw is False:
        return []
    if raw is True:
        return ["on"]
    if isinstance(raw, list | tuple):
        return [str(item) for item in raw]
    return [str(raw)]


def last_saved_by(record: Model) -> tuple[str, str]:
    """Who saved the record last and when, if the change history knows (else blanks)."""
    from auditlog.models import LogEntry  # the change log every versioned record has

    entry = (
        LogEntry.objects.get_for_object(record)
        .select_related("actor")
        .order_by("-timestamp")
        .first()
    )
    if entry is None:
        return "", ""
    who = ""
    if entry.actor is not None:
        who = entry.actor.get_full_name() or entry.actor.get_username()
    when = formats.date_format(timezone.localtime(entry.timestamp), "DATETIME_FORMAT")
    return who, when


def conflict_build(
    form: forms.BaseForm, *, saved_form: forms.BaseForm, record: Model, typed: dict[str, Any]
) -> Conflict:
    """Compare the user's input (`form`, bound and valid) with the saved record (`saved_form`,
    unbound on the freshly read record) and with what the user read (the `original` token).

    `typed` maps field names to the raw values the user sent (as the widgets read them).
    """
    original = original_values(form.data.get(form.add_prefix("original"), "") or "")
    who, when = last_saved_by(record)
    conflict = Conflict(noun=str(record._meta.verbose_name), who=who, when=when)
    saved_values = form_initial_values(saved_form)
    for name, fld in form.fields.items():
        if name in CONTROL_FIELDS or fld.widget.is_hidden or name not in saved_values:
            continue
        raw = typed.get(name)
        saved = saved_values[name]
        if not _changed(fld, saved, raw):
            continue
        touched = True
        they_changed = True
        if original is not None and name in original:
            read = _as_python(fld, original[name])
            touched = _changed(fld, read, raw)
            they_changed = _changed(fld, read, _prepared(fld, saved))
        try:
            mine_value = fld.clean(raw)
        except forms.ValidationError:
            mine_value = raw
        conflict.rows.append(
            ConflictRow(
                name=name,
                label=str(fld.label or name),
                mine=value_text(fld, mine_value),
                saved=value_text(fld, saved),
                mine_raw=_raw_list(raw),
                choose=touched,
                preselect="" if they_changed else "mine",
            )
        )
    return conflict


def _prepared(field: forms.Field, value: Any) -> Any:
    """A python initial value in the shape a widget would send it back."""
    prepared = field.prepare_value(value)
    if isinstance(field, forms.BooleanField):
        return bool(prepared)
    return "" if prepared is None else prepared


def conflict_resolved_data(form: forms.BaseForm, post: QueryDict) -> tuple[QueryDict, list[str]]:
    """The data a resolving POST stands for: the saved values, with the user's value for each
    field where they chose "keep mine". Also names the fields where no choice was made."""
    data = QueryDict(mutable=True)
    for name, value in form_initial_values(form).items():
        key = form.add_prefix(name)
        fld = form.fields[name]
        prepared = fld.prepare_value(value)
        if isinstance(fld.widget, forms.CheckboxInput):
            if prepared:
                data[key] = "on"
        elif isinstance(prepared, list | tuple):
            data.setlist(key, [str(item) for item in prepared])
        elif prepared is not None:
            data[key] = str(prepared)
    missing = []
    for name in post.getlist("conflict-field"):
        if name not in form.fields or name in CONTROL_FIELDS:
            continue
        choice = post.get(KEEP + name)
        if choice == "mine":
            key = form.add_prefix(name)
            values = post.getlist(MINE + name)
            if values:
                data.setlist(key, values)
            else:
                data.pop(key, None)
        elif choice != "saved":
            missing.append(name)
    for name in CONTROL_FIELDS:
        key = form.add_prefix(name)
        if key in post:
            data[key] = post[key]
    if "next" in post:
        data["next"] = post["next"]
    return data, missing


def typed_values(form: forms.BaseForm, data: Any) -> dict[str, Any]:
    """The raw value of every field in `data`, as the widgets read it."""
    return {
        name: fld.widget.value_from_datadict(data, form.files, form.add_prefix(name))
        for name, fld in form.fields.items()
    }
