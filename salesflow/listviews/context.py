"""What a list page adds for its saved views: one line in the list view,
`context |= saved_views_context(request, "deal", form)`, and `{% include "listviews/bar.html" %}`
in its results."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from salesflow.listviews.models import SavedView, ViewVisibility
from salesflow.listviews.queries import NOT_FILTERS, columns_from, query_normalize
from salesflow.listviews.registry import list_spec
from salesflow.listviews.selectors import saved_view_can_write, saved_views_for_list
from salesflow.users import policy


def saved_view_default_redirect(request: HttpRequest, list_key: str) -> HttpResponse | None:
    """A list opened bare (from the menu: no query string at all) opens the user's default view
    of it, if they marked one; `?view=` (the bar's "All") shows the list without it."""
    if request.GET or getattr(request, "htmx", False):
        return None
    mine = request.user.pk
    view = next(
        (v for v in _views_of(request, list_key) if v.is_default and v.owner_id == mine), None
    )
    return redirect("customers:saved-view-apply", pk=view.pk) if view else None


def _views_of(request: HttpRequest, list_key: str) -> list[SavedView]:
    """The bar's views, read once per request (the default check and the bar share them)."""
    cache = request.__dict__.setdefault("_saved_views", {})
    if list_key not in cache:
        cache[list_key] = list(saved_views_for_list(request.user, list_key))
    return cache[list_key]


def saved_views_context(request: HttpRequest, list_key: str, form: Any) -> dict[str, Any]:
    """The views bar of the list `list_key`, and the custom columns the page shows: those the
    query string names (`columns=a,b`, as a view keeps them), else the form's default ones."""
    spec = list_spec(list_key)
    if spec is None:
        return {}
    available = spec.columns()
    wanted = columns_from(request.GET)
    shown = list(getattr(form, "custom_columns", []))
    context: dict[str, Any] = {}
    if wanted:
        by_key = {key: field for key, _label, field in available}
        shown = [by_key[key] for key in wanted if key in by_key]
        context["custom_columns"] = shown
    shown_keys = {getattr(field, "key", None) for field in shown}
    views = _views_of(request, list_key)
    current = next((v for v in views if str(v.pk) == request.GET.get("view")), None)
    extra = [
        (key, value)
        for key in request.GET
        if key not in NOT_FILTERS and key not in form.fields and key != spec.sort_param
        for value in request.GET.getlist(key)
        if value
    ]
    context["listviews"] = {
        "list_key": list_key,
        "views": views,
        "current": current,
        "can_edit": bool(current and saved_view_can_write(request.user, current)),
        "query": query_normalize(request.GET, sort_param=spec.sort_param),
        "sort": request.GET.get(spec.sort_param, ""),
        "columns": [(key, label, key in shown_keys) for key, label, _field in available],
        "extra_filters": extra,
        "next": request.get_full_path(),
        "visibility_choices": ViewVisibility.choices,
        "can_share": bool(policy.team_ids_of(request.user)),
    }
    if spec.bulk is not None:
        context["bulk"] = {"url": reverse(spec.bulk_url_name), "actions": spec.bulk.actions()}
    return context
