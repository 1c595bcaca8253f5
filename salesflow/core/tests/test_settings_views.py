"""The settings form helper: what a page answers on GET, once saved, and when the service
refuses. The settings pages' own tests go through these paths over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.test import RequestFactory

from salesflow.core.errors import ConflictError, DomainError
from salesflow.core.settings_views import settings_save


class NameForm(forms.Form):
    name = forms.CharField()


def posted(data: dict[str, Any] | None = None) -> HttpRequest:
    request = RequestFactory().post("/", data) if data is not None else RequestFactory().get("/")
    request._messages = CookieStorage(request)
    return request


def refuse(error: Exception) -> Any:
    def save() -> None:
        raise error

    return save


def said(request: HttpRequest) -> list[str]:
    return [str(message) for message in get_messages(request)]


def test_a_get_saves_nothing_and_leaves_the_page_to_the_view():
    saved = []
    request = posted()
    answer = settings_save(
        request,
        form=NameForm(None),
        save=lambda: saved.append("row"),
        success_message="Saved.",
        redirect_to="/back/",
    )
    assert answer is None and saved == [] and said(request) == []


def test_a_valid_form_is_saved_then_redirected_with_the_message():
    request = posted({"name": "North"})
    form = NameForm(request.POST)
    answer = settings_save(
        request,
        form=form,
        save=lambda: form.cleaned_data["name"].upper(),
        success_message=lambda row: f"Saved {row}.",
        redirect_to=lambda row: f"/teams/{row}/",
    )
    assert answer.status_code == 302 and answer.url == "/teams/NORTH/"
    assert said(request) == ["Saved NORTH."]


@pytest.mark.django_db
def test_a_redirect_may_name_the_page():
    request = posted({"name": "North"})
    answer = settings_save(
        request,
        form=NameForm(request.POST),
        save=lambda: None,
        success_message="Saved.",
        redirect_to="quote-settings:product-list",
    )
    assert answer.url == "/settings/quotes/"


def test_an_invalid_form_is_not_saved():
    saved = []
    request = posted({"name": ""})
    form = NameForm(request.POST)
    answer = settings_save(
        request,
        form=form,
        save=lambda: saved.append("row"),
        success_message="Saved.",
        redirect_to="/back/",
    )
    assert answer is None and saved == [] and "name" in form.errors


@pytest.mark.parametrize(
    ("error", "field", "shown"),
    [
        (ValidationError({"name": "That name is taken."}), "name", ["That name is taken."]),
        (
            DomainError("Not now.", missing=[{"code": "x", "message": "Do this first."}]),
            "__all__",
            ["Not now.", "Do this first."],
        ),
        # Only a form carrying the version can show a stale edit as such.
        (ConflictError("Someone else changed it."), "__all__", ["Someone else changed it."]),
    ],
)
def test_the_services_refusal_shows_on_the_form(error, field, shown):
    request = posted({"name": "North"})
    form = NameForm(request.POST)
    answer = settings_save(
        request, form=form, save=refuse(error), success_message="Saved.", redirect_to="/back/"
    )
    assert answer is None and said(request) == []
    assert form.errors[field] == shown
