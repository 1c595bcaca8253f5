"""Bulk actions on the lead list, and its saved views (registered from LeadsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.audit.exports import records_export
from salesflow.customfields.lists import custom_export
from salesflow.customfields.selectors import custom_fields_of
from salesflow.leads import services
from salesflow.leads.forms import LeadFilterForm
from salesflow.leads.models import Lead, LeadStatus
from salesflow.leads.selectors import leads_visible_to
from salesflow.listviews.bulk import BulkAction, BulkRegistry, bulk_view
from salesflow.listviews.bulk_forms import BulkOwnerForm, BulkVisibilityForm
from salesflow.listviews.registry import ListSpec, list_register

lead_bulk_actions = BulkRegistry("lead")

# Qualifying, disqualifying and converting have their own steps (BANT answers, a reason, a deal).
BULK_STATUSES = [(LeadStatus.NEW.value, "New"), (LeadStatus.WORKING.value, "Working")]


class BulkStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BULK_STATUSES, label="New status")

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data, label_suffix="")


def _visible(user: Any) -> Any:
    return leads_visible_to(user).select_related("owner")


def _change(field: str) -> Any:
    def run(lead: Lead, *, user: Any, data: dict[str, Any], version: int | None) -> None:
        services.lead_update(
            lead, acting_user=user, expected_version=version, **{field: data[field]}
        )

    return run


def _delete(lead: Lead, *, user: Any, data: dict[str, Any], version: int | None) -> None:
    services.lead_delete(lead, acting_user=user)


def _export(request: HttpRequest, leads: Any) -> HttpResponse:
    from salesflow.leads.views import LEAD_EXPORT_COLUMNS

    extra, formats = custom_export("lead")
    return records_export(
        request, name="leads", queryset=leads.order_by("pk"),
        columns=LEAD_EXPORT_COLUMNS + extra, formats=formats,
    )  # fmt: skip


@login_required
@require_http_methods(["POST"])
def lead_bulk(request: HttpRequest) -> HttpResponse:
    return bulk_view(
        request,
        registry=lead_bulk_actions,
        visible=_visible,
        list_url=reverse("leads:lead-list"),
        noun_plural="leads",
    )


def register() -> None:
    for action in (
        BulkAction(
            "owner", "Assign owner", "assigned", run=_change("owner"), form=BulkOwnerForm,
            order=10,
        ),
        BulkAction(
            "visibility", "Change visibility", "changed", run=_change("visibility"),
            form=BulkVisibilityForm, order=20,
        ),
        BulkAction(
            "status", "Change status", "changed", run=_change("status"), form=BulkStatusForm,
            order=30,
        ),
        BulkAction("export", "Export selected (CSV)", respond=_export, order=80),
        BulkAction("delete", "Delete", "deleted", run=_delete, confirm=True, danger=True, order=90),
    ):  # fmt: skip
        lead_bulk_actions.register(action)
    list_register(
        ListSpec(
            key="lead",
            label="Leads",
            url_name="leads:lead-list",
            form=LeadFilterForm,
            columns=lambda: [(f.key, f.label, f) for f in custom_fields_of("lead")],
            bulk=lead_bulk_actions,
            bulk_url_name="leads:lead-bulk",
        )
    )
