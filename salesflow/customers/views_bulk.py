"""Bulk actions on the account and contact lists, and their saved views (from ready()).

`account_bulk_actions` and `contact_bulk_actions` are open to the apps above: outreach adds
"Add to segment" to both from its AppConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.audit.exports import records_export
from salesflow.customers import services
from salesflow.customers.forms import AccountFilterForm, ContactFilterForm
from salesflow.customers.selectors import (
    account_values_visible_to,
    accounts_visible_to,
    contacts_visible_to,
)
from salesflow.customfields.lists import custom_export
from salesflow.customfields.selectors import custom_fields_of
from salesflow.listviews.bulk import BulkAction, BulkRegistry, bulk_view
from salesflow.listviews.bulk_forms import BulkOwnerForm, BulkVisibilityForm
from salesflow.listviews.registry import ListSpec, list_register

account_bulk_actions = BulkRegistry("account")
contact_bulk_actions = BulkRegistry("contact")


def _accounts(user: Any) -> Any:
    return accounts_visible_to(user).select_related("owner")


def _contacts(user: Any) -> Any:
    return contacts_visible_to(user).select_related("account", "owner")


def _updater(update: Any, field: str) -> Any:
    def run(record: Any, *, user: Any, data: dict[str, Any], version: int | None) -> None:
        update(record, acting_user=user, expected_version=version, **{field: data[field]})

    return run


def _deleter(delete: Any) -> Any:
    def run(record: Any, *, user: Any, data: dict[str, Any], version: int | None) -> None:
        delete(record, acting_user=user)

    return run


def _exporter(name: str, kind: str) -> Any:
    def respond(request: HttpRequest, records: Any) -> HttpResponse:
        from salesflow.customers.views import ACCOUNT_EXPORT_COLUMNS, CONTACT_EXPORT_COLUMNS

        columns = ACCOUNT_EXPORT_COLUMNS if kind == "account" else CONTACT_EXPORT_COLUMNS
        extra, formats = custom_export(kind)
        return records_export(
            request, name=name, queryset=records.order_by("pk"), columns=columns + extra,
            formats=formats,
        )  # fmt: skip

    return respond


@login_required
@require_http_methods(["POST"])
def account_bulk(request: HttpRequest) -> HttpResponse:
    return bulk_view(
        request,
        registry=account_bulk_actions,
        visible=_accounts,
        list_url=reverse("customers:account-list"),
        noun_plural="accounts",
    )


@login_required
@require_http_methods(["POST"])
def contact_bulk(request: HttpRequest) -> HttpResponse:
    return bulk_view(
        request,
        registry=contact_bulk_actions,
        visible=_contacts,
        list_url=reverse("customers:contact-list"),
        noun_plural="contacts",
    )


def _account_filter_form(data: Any, *, user: Any) -> AccountFilterForm:
    return AccountFilterForm(
        data,
        user=user,
        industries=account_values_visible_to(user, "industry"),
        regions=account_values_visible_to(user, "region"),
    )


def register() -> None:
    """From CustomersConfig.ready(): bulk actions and saved views of both lists."""
    for registry, update, delete, kind, name in (
        (account_bulk_actions, services.account_update, services.account_delete, "account",
         "accounts"),
        (contact_bulk_actions, services.contact_update, services.contact_delete, "contact",
         "contacts"),
    ):  # fmt: skip
        registry.register(
            BulkAction(
                "owner",
                "Assign owner",
                "assigned",
                run=_updater(update, "owner"),
                form=BulkOwnerForm,
                order=10,
            )
        )
        registry.register(
            BulkAction(
                "visibility",
                "Change visibility",
                "changed",
                run=_updater(update, "visibility"),
                form=BulkVisibilityForm,
                order=20,
            )
        )
        registry.register(
            BulkAction("export", "Export selected (CSV)", respond=_exporter(name, kind), order=80)
        )
        registry.register(
            BulkAction(
                "delete",
                "Delete",
                "deleted",
                run=_deleter(delete),
                confirm=True,
                danger=True,
                order=90,
            )
        )
    list_register(
        ListSpec(
            key="account",
            label="Accounts",
            url_name="customers:account-list",
            form=_account_filter_form,
            columns=lambda: [(f.key, f.label, f) for f in custom_fields_of("account")],
            bulk=account_bulk_actions,
            bulk_url_name="customers:account-bulk",
        )
    )
    list_register(
        ListSpec(
            key="contact",
            label="Contacts",
            url_name="customers:contact-list",
            form=ContactFilterForm,
            columns=lambda: [(f.key, f.label, f) for f in custom_fields_of("contact")],
            bulk=contact_bulk_actions,
            bulk_url_name="customers:contact-bulk",
        )
    )
