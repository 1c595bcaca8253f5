"""Form bases shared by the apps' pages: forms validate and shape input, services write."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.forms.models import model_to_dict
from django.forms.utils import pretty_name

from salesflow.core import conflicts
from salesflow.core.errors import DomainError, missing_not_said
from salesflow.core.normalize import normalize_email, normalize_phone
from salesflow.core.validation import value_problems


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class FieldsetsMixin:
    """`fieldsets` groups a form's fields on the page: [(legend, [field names])].

    `wide_fields` take the whole row.
    """

    fieldsets: list[tuple[str, list[str]]] = []
    wide_fields: tuple[str, ...] = ("notes", "body")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def grouped_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The visible fields per fieldset; hidden fields render on their own."""
        groups = self.fieldsets or [("", list(self.fields))]
        grouped = [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in groups
        ]
        return [
            (legend, visible)
            for legend, fields in grouped
            if (visible := [field for field in fields if not field.is_hidden])
        ]


class StorableValuesMixin:
    """Text no database can hold and dates out of range are an error on their field
    (`salesflow.core.validation`), before any service sees them."""

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]
        for name, value in list(self.cleaned_data.items()):  # type: ignore[attr-defined]
            for _, problem in value_problems(value, name):
                self.add_error(name, f"This value {problem}")  # type: ignore[attr-defined]
                break


class ActionForm(StorableValuesMixin, FieldsetsMixin, forms.Form):
    """A small form that triggers one service call (move, close, complete)."""


class ServiceForm(StorableValuesMixin, FieldsetsMixin, forms.ModelForm):
    """A ModelForm that only validates: the view hands `cleaned_data` to a service.

    It never receives the record as `instance`, because ModelForm validation writes the input
    onto the instance, and the service would then see no change to save. The record's current
    values become the form's `initial` instead, so `changed_data` lists what the user changed.
    """

    def __init__(self, *args: Any, user: Any, record: Model | None = None, **kwargs: Any) -> None:
        self.user = user
        self.record = record
        self.current = model_to_dict(record, fields=self._meta.fields) if record else {}
        kwargs["initial"] = {**self.current, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)

    def _post_clean(self) -> None:
        """Skip ModelForm's model validation: the service validates the whole record (model
        rules and constraints, some spanning fields the form does not have) and the view
        shows its errors on the form, so each rule is checked in one place."""

    def limit_choices(self, name: str, queryset: QuerySet) -> None:
        """Offer only rows the user may see, plus the record's current value (kept on save)."""
        current = self.current.get(name)
        if current:
            visible = queryset
            queryset = queryset.model._default_manager.filter(
                Q(pk__in=visible.values("pk")) | Q(pk=current)
            ).order_by(*visible.query.order_by)
            queryset.query.select_related = visible.query.select_related
        self.fields[name].queryset = queryset

    def changes(self) -> dict[str, Any]:
        """The model fields the user changed, ready for the service's `**data`."""
        model_fields = set(self._meta.fields)
        return {name: self.cleaned_data[name] for name in self.changed_data if name in model_fields}

    def values(self) -> dict[str, Any]:
        """Every model field of the form, for a create service."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def record_as_typed(self) -> Model:
        """A copy of the record (or a new one) holding the values typed so far that are valid,
        for a service's check to look at in `clean()`; never saved."""
        record = copy.copy(self.record) if self.record is not None else self._meta.model()
        names = set(self._meta.fields) & set(self.cleaned_data)
        for name in names:
            setattr(record, name, self.cleaned_data[name])
        return record

    def service_check(self, check: Callable[[], None]) -> None:
        """Run a service's check (which raises ValidationError) in `clean()`, so that its
        errors show together with the fields' own instead of after them: each on its field,
        unless that field has an error already (the service checks again when saving)."""
        try:
            check()
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for name, messages in found.items():
                target = name if name in self.fields else None
                if target is None or target not in self.errors:
                    self.add_error(target, messages)


class ReadValuesMixin:
    """For a ServiceForm of a record without a version (the BANT answers): the form carries the
    values it showed (`original`, signed), so that a save writes only the fields the user
    changed since, and a field someone else saved in between is refused on that field, with the
    saved value, instead of being overwritten. Saving again then replaces it (the refused form
    carries the saved values as read). A POST without the token (an older page) records the
    fields that differ from the saved values, as before."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["original"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.initial["original"] = self._original_token  # callable: when the form renders

    def _original_token(self) -> str:
        try:
            return conflicts.original_token(conflicts.form_initial_values(self))
        except TypeError:  # a value JSON cannot hold: without it, fields compare to the saved
            return ""

    def read_values(self) -> dict[str, Any] | None:
        token = self.data.get(self.add_prefix("original"), "") if self.is_bound else ""
        return conflicts.original_values(token) if token else None

    def _changed_since_read(self, read: dict[str, Any], typed: dict[str, Any]) -> list[str]:
        return [
            name
            for name in self._meta.fields
            if name in self.fields
            and conflicts.changed_from_read(self.fields[name], read.get(name), typed[name])
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        read = self.read_values()
        if read is None or self.record is None:
            return cleaned
        typed = conflicts.typed_values(self, self.data)
        stale = [
            name
            for name in self._changed_since_read(read, typed)
            if conflicts.saved_changed_since_read(
                self.fields[name], read.get(name), self.current.get(name)
            )
            # both typed the same value: no conflict
            and self.fields[name].has_changed(self.current.get(name), typed[name])
        ]
        for name in stale:
            saved = conflicts.value_text(self.fields[name], self.current.get(name))
            self.add_error(
                name,
                f"Someone else changed this while you were editing; it is now: {saved}. "
                "Save again to replace it with yours.",
            )
        if stale:  # the form shown again carries the saved values as read
            self.data = self.data.copy()
            self.data[self.add_prefix("original")] = conflicts.original_token(
                {name: self.current.get(name) for name in self._meta.fields}
            )
        return cleaned

    def changes_since_read(self) -> dict[str, Any]:
        """The model fields the user changed since the form was shown, for the service."""
        read = self.read_values()
        if read is None:
            return self.changes()
        typed = conflicts.typed_values(self, self.data)
        return {name: self.cleaned_data[name] for name in self._changed_since_read(read, typed)}


class ContactFieldsMixin:
    """Email and phone read by the normalisers the services use, so their errors show together
    with the form's other errors instead of after them."""

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data.get("email"))

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone"))


class VersionedServiceForm(ServiceForm):
    """Carries the version the user read, so a concurrent change is refused, not overwritten.

    It also carries the values the user read (`original`, signed), so that after a conflict
    the page can tell the fields the user changed from those only someone else changed
    (see `salesflow.core.conflicts`). A POST that resolves a conflict (`conflict-resolve`)
    stands for the saved values plus the ones the user chose to keep.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    original = forms.CharField(widget=forms.HiddenInput, required=False)

    conflict: conflicts.Conflict | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflict = None
        if self.record is None:
            del self.fields["version"]
            del self.fields["original"]
        else:
            self.fields["version"].initial = self.record.version
            # Callable: runs when the form renders, after subclasses added their fields.
            self.initial["original"] = self._original_token

    def _original_token(self) -> str:
        try:
            return conflicts.original_token(conflicts.form_initial_values(self))
        except TypeError:  # a value JSON cannot hold: without it every field counts as typed
            return ""

    def full_clean(self) -> None:
        resolving = self.is_bound and self.record is not None and conflicts.RESOLVE in self.data
        missing: list[str] = []
        if resolving and not getattr(self, "_resolved", False):
            self._resolved = True
            post = self.data
            self.data, missing = conflicts.conflict_resolved_data(self, post)
            for name in missing:  # shown again with what they typed
                self.data.setlist(self.add_prefix(name), post.getlist(conflicts.MINE + name))
        super().full_clean()
        if missing:
            labels = ", ".join(str(self.fields[name].label or name) for name in missing)
            self.add_error(None, f"Choose which version to keep for: {labels}.")
            self.conflict = conflicts.conflict_build(
                self,
                saved_form=self,
                record=self.record,
                typed=conflicts.typed_values(self, self.data),
            )
            self.conflict.version = self.data.get(self.add_prefix("version"))
            self.conflict.original = self.data.get(self.add_prefix("original"), "")

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def show_conflict(self, error: DomainError) -> None:
        """Someone saved the record after the user read it: nothing is saved, and the page
        lists, field by field, the user's value and the saved one for them to choose."""
        model = type(self.record)
        fresh = model._default_manager.filter(pk=self.record.pk).first()
        if fresh is None:
            self.add_error(None, f"Someone else deleted this {model._meta.verbose_name}.")
            return
        saved_form = type(self)(user=self.user, record=fresh)
        self.conflict = conflicts.conflict_build(
            self,
            saved_form=saved_form,
            record=fresh,
            typed=conflicts.typed_values(self, self.data),
        )
        self.conflict.version = fresh.version
        self.conflict.original = saved_form._original_token()


def form_add_service_error(form: forms.Form, error: ValidationError | DomainError) -> None:
    """Show a service's refusal on the form: next to the field it names, else on top."""
    if isinstance(error, DomainError):
        extra = [f"{text}." for text in missing_not_said(error.message, error.missing)]
        form.add_error(None, [error.message, *extra])
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ListFilterForm(StorableValuesMixin, forms.Form):
    """The search box and filters of a list page; always bound to the query string.

    A subclass declares its filters; a filter whose choices depend on who is looking has a
    `for_viewer(user)` method (such as `salesflow.users.forms.owner_filter`).
    """

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, data: Any, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, label_suffix="", **kwargs)
        self.user = user
        for field in self.fields.values():
            if hasattr(field, "for_viewer"):
                field.for_viewer(user)

    def full_clean(self) -> None:
        # One message naming the filter ("Owner: there is no “999” to filter on."), not
        # Django's "Select a valid choice. That choice is not one of the available choices.",
        # for every drop-down, those added after __init__ (custom fields) included; a field's
        # own message (the team's) stays.
        for name, field in self.fields.items():
            default = type(field).default_error_messages.get("invalid_choice")
            if default is not None and field.error_messages.get("invalid_choice") == default:
                label = str(field.label or pretty_name(name))
                field.error_messages["invalid_choice"] = (
                    f"{label}: there is no “%(value)s” to filter on."
                )
        super().full_clean()

    def filters(self) -> dict[str, Any]:
        """The valid, non-empty filters; an invalid one is ignored (and shown as an error)."""
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


def with_blank(choices: Any, label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]
