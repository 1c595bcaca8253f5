"""The views bar's actions: save the current view, apply, change and delete a view.

Plain form POSTs (they work without JavaScript) that go back to the list with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.views import error_text, next_url
from salesflow.listviews import services
from salesflow.listviews.queries import view_url
from salesflow.listviews.registry import ListSpec, list_spec
from salesflow.listviews.selectors import saved_view_get_for_user


def _columns(request: HttpRequest) -> list[str]:
    return [key for key in request.POST.getlist("columns") if key]


@login_required
@require_http_methods(["POST"])
def view_save(request: HttpRequest) -> HttpResponse:
    """ "Save current view as...": the list's current filters, sort and chosen columns."""
    list_key = request.POST.get("list", "")
    spec = list_spec(list_key)
    try:
        view = services.saved_view_create(
            acting_user=request.user,
            list_key=list_key,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            sort=request.POST.get("sort", ""),
            columns=_columns(request),
            visibility=request.POST.get("visibility") or "private",
            is_default=bool(request.POST.get("is_default")),
        )
    except ValidationError as error:
        messages.error(request, f"The view was not saved: {error_text(error)}")
        return redirect(next_url(request, "/" if spec is None else _list_url(spec)))
    messages.success(request, f"View “{view.name}” saved.")
    url, _dropped = view_url(view, user=request.user)
    return redirect(url)


def _list_url(spec: ListSpec) -> str:
    return reverse(spec.url_name)


@login_required
@require_http_methods(["GET"])
def view_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the list with the view's filters; a filter that no longer works is left out and
    named in a message."""
    view = saved_view_get_for_user(request.user, pk)
    url, dropped = view_url(view, user=request.user)
    for message in dropped:
        messages.warning(request, message)
    return redirect(url)


@login_required
@require_http_methods(["POST"])
def view_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, share or make private, mark default, or take the list's current filters."""
    view = saved_view_get_for_user(request.user, pk, write=True)
    changes: dict[str, object] = {}
    if "name" in request.POST:
        changes["name"] = request.POST["name"]
    if "visibility" in request.POST:
        changes["visibility"] = request.POST["visibility"]
    if "is_default" in request.POST or "default_sent" in request.POST:
        changes["is_default"] = bool(request.POST.get("is_default"))
    if "default_sent" in request.POST:  # the bar's form: its column boxes are the columns
        changes["columns"] = _columns(request)
    if request.POST.get("take_current"):
        changes["query"] = request.POST.get("query", "")
        changes["sort"] = request.POST.get("sort", "")
    try:
        view = services.saved_view_update(view, acting_user=request.user, **changes)
    except ValidationError as error:
        messages.error(request, f"The view was not changed: {error_text(error)}")
        return redirect(next_url(request, view_url(view, user=request.user)[0]))
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(view_url(view, user=request.user)[0])


@login_required
@require_http_methods(["POST"])
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_view_get_for_user(request.user, pk, write=True)
    spec = list_spec(view.list_key)
    services.saved_view_delete(view, acting_user=request.user)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect(_list_url(spec) if spec else "/")
