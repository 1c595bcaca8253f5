"""Inline edit: one field of a record changed in place, on a list or a record page.

The value is a link to the field's small edit page; with htmx the link loads the small form in
place of the value (Save, or Escape to cancel), and a save answers with the new value. The form
is a `VersionedServiceForm` (or carries a `version` field), so a stale inline edit answers 409
with the same conflict table as the edit pages (`salesflow.core.conflicts`); a refusal of the
service shows next to the field. Each app's `views_inline` module says which fields it offers,
which form and which service (see `salesflow.pipeline.views_inline`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString

from salesflow.core.errors import ConflictError, DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import next_url

TEMPLATE = "includes/inline_field.html"


@dataclass
class InlineValue:
    """What the value partial shows: `html` (formatted), `text` (for the link's name)."""

    id: str
    url: str
    label: str
    html: SafeString | str
    text: str
    editable: bool
    field: str = ""  # the form field that gets the focus and the errors


def inline_error(form: forms.BaseForm, field: str, error: ValidationError | DomainError) -> None:
    """A refusal next to the field: the sales process's reason with what is missing."""
    if isinstance(error, ConflictError) and hasattr(form, "show_conflict"):
        form.show_conflict(error)
    elif isinstance(error, DomainError):
        missing = [item["message"] for item in error.missing if item.get("message")]
        form.add_error(field, [error.message, *missing])
    else:
        form_add_service_error(form, error)


def focus_first(form: forms.BaseForm, *, autofocus: bool) -> None:
    """The small form opens with its first field focused (after the swap, or on its page);
    a field in error takes the focus itself (aria-invalid)."""
    if form.errors or getattr(form, "conflict", None):
        return
    for field in form.visible_fields():
        attrs = field.field.widget.attrs
        attrs["data-focus-after-swap"] = ""
        if autofocus:
            attrs["autofocus"] = True
        return


def inline_edit(
    request: HttpRequest,
    *,
    record: Model,
    form: forms.BaseForm,
    save: Callable[[], Any],
    value: Callable[[], InlineValue],
) -> HttpResponse:
    """GET: the small form (only the form for htmx, else a small page). GET `?cancel=1`: the
    value again. POST: `save()` (the service) and the new value, or the form with the refusal
    next to the field (409 for a concurrent change). `value()` reads the record afresh."""
    back = next_url(request, record.get_absolute_url())
    if request.method == "GET" and request.GET.get("cancel"):
        if request.htmx:
            return _render(request, "value", {"inline": value(), "focus": True})
        return redirect(back)
    status = 200
    shown = value()
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except (ValidationError, DomainError) as error:
            inline_error(form, shown.field, error)
            if isinstance(error, ConflictError):
                status = 409
        else:
            if request.htmx:
                context = {"inline": value(), "saved": True, "focus": True}
                return _render(request, "value", context)
            messages.success(request, f"{shown.label} of {record} saved.")
            return redirect(back)
    focus_first(form, autofocus=not request.htmx)
    context = {"inline": shown, "form": form, "record": record, "next": back}
    if request.htmx:
        return _render(request, "form", context, status=status)
    return render(request, "inline_page.html", context, status=status)


def _render(
    request: HttpRequest, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, f"{TEMPLATE}#{partial}", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
