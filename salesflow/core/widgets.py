"""Form widgets shared by the apps' pages.

`RecordPicker` is the search-as-you-type record picker (docs/search.md, "Record pickers"): a
`<select>` that holds only the chosen record(s) and a few suggestions, whatever the number of
records, and names the endpoint that finds the others as you type (`data-picker-url`);
static/js/pickers.js turns it into a Tom Select. Without JavaScript the few options still work.

Core imports no app: the endpoint is a URL name reversed when the widget renders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

SUGGESTIONS = 20


class RecordPicker(forms.Select):
    """A select for a ModelChoiceField over thousands of records.

    - `kind`: the picker kind of the endpoint (`account`, `contact`, `lead`, `deal`);
    - `url_name`: the endpoint, reversed with `kind` as its one argument;
    - `params`: fixed query parameters for the endpoint (`{"deal": 7}`);
    - `depends_on`: `{parameter: field name}`, a parameter taken from another field of the
      same form as the user fills it in (the primary contact narrowed to the chosen account);
      the picker empties when that field changes;
    - `suggest`: `function(field queryset) -> queryset` of the suggestions offered before
      anything is typed (default: the newest records, those owned by `prefer_owner` first); it
      must narrow the field's queryset, so only records the field accepts are offered.

    The field's queryset stays what validation checks against: an id posted for a record
    outside it is refused by the field, naming it.
    """

    def __init__(
        self,
        kind: str,
        *,
        url_name: str = "search:pick",
        params: Mapping[str, Any] | None = None,
        depends_on: Mapping[str, str] | None = None,
        suggest: Callable[[QuerySet], QuerySet] | None = None,
        prefer_owner: int | None = None,
        suggestions: int = SUGGESTIONS,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.url_name = url_name
        self.params = dict(params or {})
        self.depends_on = dict(depends_on or {})
        self.suggest = suggest
        self.prefer_owner = prefer_owner
        self.suggestions = suggestions

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordPicker:
        copy = super().__deepcopy__(memo)
        copy.params = dict(self.params)
        copy.depends_on = dict(self.depends_on)
        return copy

    def picker_url(self) -> str:
        url = reverse(self.url_name, args=[self.kind])
        params = {key: value for key, value in self.params.items() if value not in (None, "")}
        return f"{url}?{urlencode(params)}" if params else url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        attrs["data-picker-url"] = self.picker_url()
        attrs["data-picker-kind"] = self.kind
        if self.depends_on:
            attrs["data-picker-depends"] = " ".join(
                f"{param}:{field}" for param, field in self.depends_on.items()
            )
        return super().get_context(name, value, attrs)

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> Any:
        full = self.choices
        self.choices = self.offered(value)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = full

    def offered(self, value: list[Any]) -> list[Any]:
        """The empty choice, the chosen record(s), then the suggestions (three queries at most)."""
        choices = self.choices
        queryset = getattr(choices, "queryset", None)
        if queryset is None:  # plain choices: nothing to narrow
            return list(choices)
        field = choices.field
        offered: list[Any] = []
        if field.empty_label is not None:
            offered.append(("", field.empty_label))
        chosen = [str(v) for v in value if v not in (None, "") and str(v).isdigit()]
        rows = list(queryset.filter(pk__in=chosen)) if chosen else []
        offered += [choices.choice(row) for row in rows + self.suggested(queryset, rows)]
        return offered

    def suggested(self, queryset: QuerySet, chosen: list[Any]) -> list[Any]:
        """The suggestions: the form's, or the newest records (the user's own first: reading
        only their rows, the database skips the costlier "readable through a deal" checks)."""
        if not self.suggestions:
            return []
        pks = {row.pk for row in chosen}
        if self.suggest is not None:
            return [row for row in self.suggest(queryset)[: self.suggestions] if row.pk not in pks]
        found: list[Any] = []
        if self.prefer_owner is not None:
            own = queryset.filter(owner_id=self.prefer_owner).order_by("-pk")
            found = [row for row in own[: self.suggestions] if row.pk not in pks]
        if len(found) < self.suggestions:
            skip = pks | {row.pk for row in found}
            rest = queryset.exclude(pk__in=skip) if skip else queryset
            found += list(rest.order_by("-pk")[: self.suggestions - len(found)])
        return found


class RecordMultiPicker(RecordPicker, forms.SelectMultiple):
    """RecordPicker for a ModelMultipleChoiceField."""

    allow_multiple_selected = True


def use_picker(field: forms.ModelChoiceField, kind: str, **options: Any) -> RecordPicker:
    """Give a ModelChoiceField (already holding its queryset) a RecordPicker of `kind`."""
    widget_class = (
        RecordMultiPicker if isinstance(field, forms.ModelMultipleChoiceField) else RecordPicker
    )
    widget = widget_class(kind, **options)
    widget.is_required = field.required
    widget.attrs.update(field.widget_attrs(widget))
    widget.choices = field.choices
    field.widget = widget
    return widget
