"""What every page that creates or changes a row does with its form: the settings pages
directly, record pages through `core.views.record_create` and `record_edit`.

The view keeps what is its own: the permission check first (`require_admin`, `require_manager`),
the row, the form, and which service to call. These helpers do the rest: validate, call the
service, show its refusal on the form, or redirect with a message once saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from salesflow.core.errors import ConflictError, DomainError
from salesflow.core.forms import VersionedServiceForm, form_add_service_error

Saved = TypeVar("Saved")


def settings_save(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[], Saved],
    success_message: str | Callable[[Saved], str],
    redirect_to: str | Callable[[Saved], str],
) -> HttpResponse | None:
    """Once `form` is valid, call `save()` (the service), say `success_message` and redirect.

    `success_message` and `redirect_to` are text, or functions of what `save()` returned, which
    run after it; `redirect_to` is a URL or a URL name. Answers None when the page should be
    shown (again) instead: on GET, or with the form's errors, the service's refusal among them.
    """
    if not form.is_valid():
        return None
    try:
        saved = save()
    except ConflictError as error:
        if isinstance(form, VersionedServiceForm):
            form.show_conflict(error)  # both versions side by side; nothing saved
        else:
            form_add_service_error(form, error)
        return None
    except (ValidationError, DomainError) as error:
        form_add_service_error(form, error)
        return None
    message = success_message(saved) if callable(success_message) else success_message
    messages.success(request, message)
    return redirect(redirect_to(saved) if callable(redirect_to) else redirect_to)


def settings_form(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[], Saved],
    success_message: str | Callable[[Saved], str],
    redirect_to: str | Callable[[Saved], str],
    template: str = "form_page.html",
    context: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
) -> HttpResponse:
    """A settings form page: `settings_save`, else `template` with the form and `context`.

    The default template, the create and edit page of every record, wants a `title` and a
    `cancel_url` in `context` (and takes an `intro`). Give `context` as a function when it names
    the record being changed: it runs after `save()` was tried, so a refused save shows the
    record as the service left it, which is what these pages have always shown.
    """
    saved = settings_save(
        request, form=form, save=save, success_message=success_message, redirect_to=redirect_to
    )
    if saved is not None:
        return saved
    extra = context() if callable(context) else context or {}
    # A concurrent change answers 409 Conflict with both versions to choose from.
    status = 409 if getattr(form, "conflict", None) else 200
    return render(request, template, {"form": form, **extra}, status=status)
