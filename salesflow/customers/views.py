from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from salesflow.activities.selectors import activities_timeline, activities_visible_to
from salesflow.core.errors import ConflictError
from salesflow.core.exports import records_export
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text, page_of, render_list
from salesflow.customers import services
from salesflow.customers.forms import AccountFilterForm, AccountForm, ContactFilterForm, ContactForm
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import (
    account_get_for_user,
    accounts_visible_to,
    contact_get_for_user,
    contacts_visible_to,
)
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users import policy

TIMELINE_LIMIT = 50


# TODO move to selectors: the distinct non-empty values of a column among visible accounts.
def account_values_visible_to(user: Any, field: str) -> list[str]:
    rows = Account.objects.filter(pk__in=accounts_visible_to(user).values("pk")).exclude(
        **{field: ""}
    )
    return list(rows.order_by(field).values_list(field, flat=True).distinct())


# TODO move to selectors: the account list's search and filters.
def accounts_filter(accounts: QuerySet[Account], filters: dict[str, Any]) -> QuerySet[Account]:
    if q := filters.pop("q", ""):
        accounts = accounts.filter(Q(name__icontains=q) | Q(website__icontains=q))
    return accounts.filter(**filters)


ACCOUNT_EXPORT_COLUMNS = [
    ("id", "id"), ("name", "name"), ("industry", "industry"), ("size_band", "size_band"),
    ("region", "region"), ("website", "website"), ("tier", "tier"),
    ("owner", "owner__username"), ("team", "team__name"), ("created_at", "created_at"),
]  # fmt: skip
CONTACT_EXPORT_COLUMNS = [
    ("id", "id"), ("first_name", "first_name"), ("last_name", "last_name"),
    ("position", "position"), ("account", "account__name"), ("email", "email"),
    ("phone", "phone"), ("has_consent", "has_consent"), ("do_not_contact", "do_not_contact"),
    ("owner", "owner__username"), ("created_at", "created_at"),
]  # fmt: skip


# TODO move to selectors: the contact list's search and filters.
def contacts_filter(contacts: QuerySet[Contact], filters: dict[str, Any]) -> QuerySet[Contact]:
    if q := filters.pop("q", ""):
        words = Q()
        for word in q.split():
            words &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(phone__icontains=word)
                | Q(account__name__icontains=word)
            )
        contacts = contacts.filter(words)
    consent = filters.pop("consent", "")
    if consent == "dnc":
        contacts = contacts.filter(do_not_contact=True)
    elif consent:
        contacts = contacts.filter(has_consent=consent == "yes")
    return contacts.filter(**filters)


@login_required
@require_http_methods(["GET"])
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(
        request.GET,
        user=request.user,
        industries=account_values_visible_to(request.user, "industry"),
        regions=account_values_visible_to(request.user, "region"),
    )
    accounts = accounts_filter(
        accounts_visible_to(request.user).select_related("owner"), form.filters()
    )
    if request.GET.get("format") == "csv":
        return records_export(
            request, name="accounts", queryset=accounts, columns=ACCOUNT_EXPORT_COLUMNS
        )
    context = {"form": form, "page_obj": page_of(request, accounts)}
    return render_list(request, "customers/account_list.html", context)


@login_required
@require_http_methods(["GET"])
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    activities = activities_visible_to(request.user).filter(account=account)
    context = {
        "account": account,
        "contacts": contacts_visible_to(request.user).filter(account=account),
        "deals": deals_visible_to(request.user)
        .filter(account=account)
        .select_related("stage", "owner"),
        "activities": activities_timeline(activities)[:TIMELINE_LIMIT],
        "can_edit": policy.can_write(request.user, account),
        "now": timezone.now(),
    }
    return render(request, "customers/account_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            account = services.account_create(acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Account {account} created.")
            return redirect(account)
    context = {
        "form": form,
        "title": "New account",
        "cancel_url": reverse("customers:account-list"),
    }
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk, write=True)
    form = AccountForm(request.POST or None, user=request.user, record=account)
    if form.is_valid():
        try:
            services.account_update(
                account,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **form.changes(),
            )
        except ConflictError as error:
            form.show_conflict(error)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Account {account} saved.")
            return redirect(account)
    context = {"form": form, "title": f"Edit {account}", "cancel_url": account.get_absolute_url()}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        try:
            services.account_delete(account, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
            return redirect(account)
        messages.success(request, f"Account {account} deleted.")
        return redirect("customers:account-list")
    context = {
        "object": account,
        "kind": "account",
        "cancel_url": account.get_absolute_url(),
        "consequence": "Its contacts stay, without an account; its activities are deleted.",
    }
    return render(request, "confirm_delete.html", context)


@login_required
@require_http_methods(["GET"])
def contact_list(request: HttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET, user=request.user)
    contacts = contacts_filter(
        contacts_visible_to(request.user).select_related("account", "owner"), form.filters()
    )
    if request.GET.get("format") == "csv":
        return records_export(
            request, name="contacts", queryset=contacts, columns=CONTACT_EXPORT_COLUMNS
        )
    context = {"form": form, "page_obj": page_of(request, contacts)}
    return render_list(request, "customers/contact_list.html", context)


@login_required
@require_http_methods(["GET"])
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(request.user, pk)
    activities = activities_visible_to(request.user).filter(contact=contact)
    context = {
        "contact": contact,
        "deals": deals_visible_to(request.user)
        .filter(primary_contact=contact)
        .select_related("stage", "account"),
        "activities": activities_timeline(activities)[:TIMELINE_LIMIT],
        "can_edit": policy.can_write(request.user, contact),
        "now": timezone.now(),
    }
    return render(request, "customers/contact_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    initial = {"account": request.GET.get("account")}
    form = ContactForm(request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        try:
            contact = services.contact_create(acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Contact {contact} created.")
            return redirect(contact)
    context = {
        "form": form,
        "title": "New contact",
        "cancel_url": reverse("customers:contact-list"),
    }
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(request.user, pk, write=True)
    form = ContactForm(request.POST or None, user=request.user, record=contact)
    if form.is_valid():
        try:
            services.contact_update(
                contact,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **form.changes(),
            )
        except ConflictError as error:
            form.show_conflict(error)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Contact {contact} saved.")
            return redirect(contact)
    context = {"form": form, "title": f"Edit {contact}", "cancel_url": contact.get_absolute_url()}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.contact_delete(contact, acting_user=request.user)
        messages.success(request, f"Contact {contact} deleted.")
        return redirect("customers:contact-list")
    context = {
        "object": contact,
        "kind": "contact",
        "cancel_url": contact.get_absolute_url(),
        "consequence": "Their activities are deleted with them.",
    }
    return render(request, "confirm_delete.html", context)
