"""A list's query string as a saved view keeps it, and checking it when a view is applied."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from salesflow.listviews.models import SavedView
from salesflow.listviews.registry import ListSpec, list_spec

# Parameters that are not filters: paging, the view itself, downloads, the form's token.
NOT_FILTERS = {"page", "view", "format", "columns", "csrfmiddlewaretoken"}


def _params(query: str | QueryDict | dict[str, Any]) -> QueryDict:
    if isinstance(query, QueryDict):
        return query
    if isinstance(query, dict):
        params = QueryDict(mutable=True)
        for key, value in query.items():
            params.setlist(key, value if isinstance(value, list) else [str(value)])
        return params
    return QueryDict(query or "")


def query_normalize(query: str | QueryDict | dict[str, Any], *, sort_param: str = "sort") -> str:
    """The filters of a query string in a stable form: no paging, sort or columns, no empty
    values, keys in order (so the same filters always read the same)."""
    params = _params(query)
    pairs = [
        (key, value)
        for key in sorted(params)
        if key not in NOT_FILTERS and key != sort_param
        for value in params.getlist(key)
        if str(value).strip() != ""
    ]
    return urlencode(pairs)


def columns_from(params: QueryDict | dict[str, Any]) -> list[str]:
    """`columns=a,b` or `columns=a&columns=b`: the custom-field keys, in order, once each."""
    values: Iterable[str] = (
        params.getlist("columns") if isinstance(params, QueryDict) else [params.get("columns", "")]
    )
    keys: list[str] = []
    for value in values:
        for key in str(value or "").split(","):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def _field_label(form: Any, name: str) -> str:
    return str(form[name].label) if name in form.fields else name


def _custom_key(name: str) -> str:
    return name.removeprefix("custom.").partition("__")[0]


def query_check(spec: ListSpec, query: str, *, user: Any) -> tuple[QueryDict, list[str]]:
    """The view's filters that still work, and a message naming each one left out (a custom
    field archived, a stage removed, a filter the list no longer has)."""
    params = QueryDict(query or "", mutable=True)
    form = spec.form(params.copy(), user=user)
    form.filters()
    dropped: list[str] = []
    active = {key for key, _label, _field in spec.columns()}
    for name in list(params):
        if name.startswith("custom.") and _custom_key(name) not in active:
            # An archived (or deleted) custom field: its values stay, the view's filter goes.
            dropped.append(f"The filter “{name}” no longer exists and was left out.")
            del params[name]
        elif name in form.errors:
            dropped.append(
                f"The filter “{_field_label(form, name)}” no longer applies and was left out."
            )
            del params[name]
        elif name not in form.fields:
            single = QueryDict(mutable=True)
            single.setlist(name, params.getlist(name))
            alone = spec.form(single, user=user)
            alone.filters()
            unknown = not name.startswith("custom.") and name != spec.sort_param
            if alone.errors or unknown:
                dropped.append(f"The filter “{name}” no longer exists and was left out.")
                del params[name]
    return params, dropped


def view_url(view: SavedView, *, user: Any) -> tuple[str, list[str]]:
    """Where applying the view leads (the list with its filters, sort and columns) and the
    messages about the parts that no longer work."""
    spec = list_spec(view.list_key)
    if spec is None:
        return reverse("pages:dashboard"), [f"The list of view “{view.name}” no longer exists."]
    params, dropped = query_check(spec, view.query, user=user)
    if view.sort:
        params[spec.sort_param] = view.sort
    if view.columns:
        available = {key for key, _label, _field in spec.columns()}
        kept = [key for key in view.columns if key in available]
        dropped += [
            f"The column “{key}” no longer exists and was left out."
            for key in view.columns
            if key not in available
        ]
        if kept:
            params["columns"] = ",".join(kept)
    params["view"] = str(view.pk)
    return f"{reverse(spec.url_name)}?{params.urlencode()}", dropped
