"""Quick add: a lead, contact, account, deal or activity from anywhere.

The header's "+ New" button (and the `n` shortcut) loads this page's form into a dialog with
htmx; without JavaScript it is an ordinary page. Every save goes through the apps' create
services. An account typed by name is the readable account of that name, or a new one created
through the customers service (owned by the user) in the same transaction as the record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from salesflow.activities.selectors import activities_visible_to
from salesflow.activities.services import activity_create
from salesflow.core.errors import DomainError
from salesflow.core.forms import ServiceForm, form_add_service_error
from salesflow.customers.models import Account
from salesflow.customers.selectors import (
    account_get_by_name_for_user,
    accounts_visible_to,
    contacts_visible_to,
)
from salesflow.customers.services import account_create, contact_create
from salesflow.leads.selectors import leads_visible_to
from salesflow.leads.services import lead_create
from salesflow.pages.forms_quickadd import QUICK_FORMS
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.pipeline.services import deal_create

KINDS = [
    ("lead", "Lead", "l"),
    ("contact", "Contact", "c"),
    ("account", "Account", "a"),
    ("deal", "Deal", "d"),
    ("activity", "Activity", "t"),
]
LABELS = {kind: label for kind, label, _ in KINDS}
CREATE = {
    "lead": lead_create,
    "contact": contact_create,
    "account": account_create,
    "deal": deal_create,
    "activity": activity_create,
}
VISIBLE = {
    "lead": leads_visible_to,
    "contact": contacts_visible_to,
    "account": accounts_visible_to,
    "deal": deals_visible_to,
    "activity": activities_visible_to,
}
TEMPLATE = "pages/quick_add.html"
# A service's error on a field the quick form names differently.
FIELD_OF_ERROR = {
    "contact": {"account": "account_name"},
    "deal": {"account": "account_name"},
}


def _account_by_name(user: Any, name: str) -> tuple[Account | None, bool]:
    """The readable account of that name, else a new one owned by the user: (account, new)."""
    if not name:
        return None, False
    account = account_get_by_name_for_user(user, name)
    if account is not None:
        return account, False
    try:
        return account_create(acting_user=user, name=name), True
    except ValidationError as error:
        # The account's own refusal belongs to the field it was typed in.
        raise ValidationError({"account_name": error.messages}) from error


def quick_create(user: Any, kind: str, form: ServiceForm) -> tuple[Model, Account | None]:
    """Create the record of a valid quick-add form: (record, the account made on the fly).

    One transaction: a refused record leaves no new account behind.
    """
    data = form.values()
    with transaction.atomic():
        new_account = None
        if "account_name" in form.fields:
            account, created = _account_by_name(user, form.cleaned_data["account_name"])
            if account is not None:
                data["account"] = account
            new_account = account if created else None
        record = CREATE[kind](acting_user=user, **data)
    return record, new_account


def _error_on_form_fields(kind: str, error: ValidationError) -> ValidationError:
    renamed = FIELD_OF_ERROR.get(kind, {})
    if not renamed or not hasattr(error, "error_dict"):
        return error
    errors: dict[str, list[str]] = {}
    for name, messages_ in error.message_dict.items():
        errors.setdefault(renamed.get(name, name), []).extend(messages_)
    return ValidationError(errors)


def _created_note(kind: str, account: Account | None) -> str:
    if account is None:
        return ""
    return f"The account “{account.name}” did not exist yet and was created for the {kind}."


def _render(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    template = TEMPLATE + "#body" if request.htmx else TEMPLATE
    response = render(
        request, template, {"kinds": KINDS, "in_dialog": bool(request.htmx), **context}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# The record pages quick add may be opened from (`?from=<path>`), and the kind of their record.
RECORD_PAGES = {
    "pipeline:deal-detail": "deal",
    "leads:lead-detail": "lead",
    "customers:account-detail": "account",
    "customers:contact-detail": "contact",
}


def _initial_from(request: HttpRequest, kind: str) -> dict[str, Any]:
    """Opened on a record's page: an activity belongs to that record, a contact or deal to its
    account (when the user may read them)."""
    try:
        match = resolve(request.GET.get("from", "") or "/-")
    except Resolver404:
        return {}
    source = RECORD_PAGES.get(match.view_name or "")
    pk = match.kwargs.get("pk")
    if source is None or pk is None:
        return {}
    record = VISIBLE[source](request.user).filter(pk=pk).first()
    if record is None:
        return {}
    if kind == "activity":
        return {source: record.pk}
    if kind in ("contact", "deal"):
        account_id = record.pk if source == "account" else getattr(record, "account_id", None)
        account = accounts_visible_to(request.user).filter(pk=account_id).first()
        if account is not None:
            return {"account_name": account.name}
    return {}


def _from_path(request: HttpRequest) -> str:
    """`?from=` passed on to the kind switcher, when it is a path of this site."""
    path = request.GET.get("from", "")
    return path if path.startswith("/") and not path.startswith("//") else ""


def _created_record(request: HttpRequest, kind: str) -> Model | None:
    """The record named by `?created=` after a save without JavaScript, when readable."""
    pk = request.GET.get("created", "")
    if not pk.isdigit():
        return None
    return VISIBLE[kind](request.user).filter(pk=int(pk)).first()


@login_required
@require_http_methods(["GET", "POST"])
def quick_add(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in QUICK_FORMS:
        # No kind (or an unknown one): the kind chooser.
        chooser = {"kind": "", "title": "Quick add", "from_path": _from_path(request)}
        return _render(request, chooser)
    title = f"New {LABELS[kind].lower()}"
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": LABELS[kind],
        "title": title,
        "from_path": _from_path(request),
    }
    if request.method == "GET" and (created := _created_record(request, kind)) is not None:
        return _render(request, {**context, "created": created})
    initial = _initial_from(request, kind) if request.method == "GET" else {}
    form = QUICK_FORMS[kind](request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record, new_account = quick_create(request.user, kind, form)
        except ValidationError as error:
            form_add_service_error(form, _error_on_form_fields(kind, error))
        except DomainError as error:
            form_add_service_error(form, error)
        else:
            note = _created_note(kind, new_account)
            if request.htmx:
                return _render(request, {**context, "created": record, "note": note})
            messages.success(request, f"Created {LABELS[kind].lower()} “{record}”. {note}".strip())
            return redirect(f"{reverse('pages:quick-add')}?kind={kind}&created={record.pk}")
    return _render(request, {**context, "form": form})


@login_required
@require_GET
def shortcuts(request: HttpRequest) -> HttpResponse:
    """The keyboard shortcuts, as a page (the `?` key shows the same list in a dialog)."""
    return render(request, "pages/quick_add_shortcuts_page.html")
