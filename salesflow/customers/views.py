from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from salesflow.audit.exports import records_export
from salesflow.core.panels import record_page_context
from salesflow.core.views import error_text, page_of, record_create, record_edit, render_list
from salesflow.customers import services
from salesflow.customers.forms import AccountFilterForm, AccountForm, ContactFilterForm, ContactForm
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.customers.selectors import (
    account_children_visible_to,
    account_get_for_user,
    account_parent_for_user,
    account_values_visible_to,
    accounts_filtered,
    birthday_of,
    contact_get_for_user,
    contacts_birthdays_upcoming,
    contacts_filtered,
    contacts_visible_to,
)
from salesflow.customfields.lists import custom_export
from salesflow.listviews.context import saved_view_default_redirect, saved_views_context
from salesflow.users import policy

ACCOUNT_EXPORT_COLUMNS = [
    ("id", "id"), ("name", "name"), ("industry", "industry"), ("size_band", "size_band"),
    ("region", "region"), ("website", "website"), ("tier", "tier"),
    ("tier_by_hand", "tier_by_hand"), ("last_contact_at", "last_contact_at"),
    ("next_contact_due_on", "next_contact_due_on"),
    ("annual_revenue", "annual_revenue"), ("currency", "currency"),
    ("employee_count", "employee_count"), ("founded_year", "founded_year"),
    ("parent", "parent__name"), ("owner", "owner__username"), ("team", "team__name"),
    ("created_at", "created_at"),
]  # fmt: skip
CONTACT_EXPORT_COLUMNS = [
    ("id", "id"), ("first_name", "first_name"), ("last_name", "last_name"),
    ("position", "position"), ("account", "account__name"), ("email", "email"),
    ("phone", "phone"), ("has_consent", "has_consent"), ("do_not_contact", "do_not_contact"),
    ("owner", "owner__username"), ("created_at", "created_at"),
]  # fmt: skip


@login_required
@require_http_methods(["GET"])
def account_list(request: HttpRequest) -> HttpResponse:
    if default_view := saved_view_default_redirect(request, "account"):
        return default_view
    form = AccountFilterForm(
        request.GET,
        user=request.user,
        industries=account_values_visible_to(request.user, "industry"),
        regions=account_values_visible_to(request.user, "region"),
    )
    accounts = accounts_filtered(request.user, **form.filters())
    if request.GET.get("format") == "csv":
        extra, formats = custom_export("account")
        return records_export(
            request,
            name="accounts",
            queryset=accounts,
            columns=ACCOUNT_EXPORT_COLUMNS + extra,
            formats=formats,
        )
    context = {
        "form": form,
        "page_obj": page_of(request, accounts, deferred_join=True),
        "custom_columns": form.custom_columns,
        "today": timezone.localdate(),
    }
    context |= saved_views_context(request, "account", form)
    return render_list(request, "customers/account_list.html", context)


@login_required
@require_http_methods(["GET"])
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    contacts = list(contacts_visible_to(request.user).filter(account=account))
    context = {
        "contacts": contacts,
        "birthdays": contacts_birthdays_upcoming(contacts),
        "parent": account_parent_for_user(request.user, account),
        "children": account_children_visible_to(request.user, account),
        **record_page_context(
            request, account, account_panels, can_edit=policy.can_write(request.user, account)
        ),
    }
    return render(request, "customers/account_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, user=request.user)
    return record_create(
        request,
        form=form,
        create=services.account_create,
        saved="Account {record} created.",
        title="New account",
        cancel_url=reverse("customers:account-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk, write=True)
    form = AccountForm(request.POST or None, user=request.user, record=account)
    return record_edit(
        request,
        record=account,
        form=form,
        update=services.account_update,
        saved="Account {record} saved.",
    )


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
    if default_view := saved_view_default_redirect(request, "contact"):
        return default_view
    form = ContactFilterForm(request.GET, user=request.user)
    contacts = contacts_filtered(request.user, **form.filters())
    if request.GET.get("format") == "csv":
        extra, formats = custom_export("contact")
        return records_export(
            request,
            name="contacts",
            queryset=contacts,
            columns=CONTACT_EXPORT_COLUMNS + extra,
            formats=formats,
        )
    context = {
        "form": form,
        "page_obj": page_of(request, contacts, deferred_join=True),
        "custom_columns": form.custom_columns,
    }
    context |= saved_views_context(request, "contact", form)
    return render_list(request, "customers/contact_list.html", context)


@login_required
@require_http_methods(["GET"])
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(request.user, pk)
    can_edit = policy.can_write(request.user, contact)
    context = {
        "birthday": birthday_of(contact.birthday),
        **record_page_context(request, contact, contact_panels, can_edit=can_edit),
    }
    return render(request, "customers/contact_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    initial = {"account": request.GET.get("account")}
    form = ContactForm(request.POST or None, user=request.user, initial=initial)
    return record_create(
        request,
        form=form,
        create=services.contact_create,
        saved="Contact {record} created.",
        title="New contact",
        cancel_url=reverse("customers:contact-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(request.user, pk, write=True)
    form = ContactForm(request.POST or None, user=request.user, record=contact)
    return record_edit(
        request,
        record=contact,
        form=form,
        update=services.contact_update,
        saved="Contact {record} saved.",
    )


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
