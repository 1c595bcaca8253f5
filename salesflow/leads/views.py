from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from salesflow.audit.exports import records_export
from salesflow.core.errors import DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.panels import PanelCall
from salesflow.core.views import (
    error_text,
    next_url,
    page_of,
    record_create,
    record_edit,
    render_list,
)
from salesflow.customers.selectors import contact_get_for_user
from salesflow.customfields.lists import custom_export
from salesflow.leads import assignment, dedup, services
from salesflow.leads.forms import (
    AssignForm,
    BantForm,
    DisqualifyForm,
    LeadFilterForm,
    LeadForm,
    RecordChoiceForm,
)
from salesflow.leads.models import Lead
from salesflow.leads.panels import lead_panels
from salesflow.leads.selectors import lead_get_for_user, leads_filtered, leads_queue_for_manager
from salesflow.listviews.context import saved_view_default_redirect, saved_views_context
from salesflow.users import policy

DUPLICATES_LIMIT = 5
BANT_LETTERS = ("budget", "authority", "need", "timeline")


def lead_page(
    request: HttpRequest, lead: Lead, *, region: str | None = None, **forms: Any
) -> HttpResponse:
    """The lead page, or for htmx only its `region` partial. Bound `forms` (with their errors)
    replace the blank ones, the lead's own (`bant_form`, ...) and the panels' (`convert_form`)."""
    user = request.user
    partial = region if request.htmx and region else None
    missing = services.bant_missing(lead)
    gaps = {item["code"] for item in missing}
    can_edit = policy.can_write(user, lead)
    context = {
        "lead": lead,
        "can_edit": can_edit,
        "bant_form": BantForm(user=user, record=lead.qualification),
        "disqualify_form": DisqualifyForm(),
        "assign_form": AssignForm(user=user, lead=lead),
        "bant_missing": missing,
        "bant_letters": [(letter, letter not in gaps) for letter in BANT_LETTERS],
        "now": timezone.now(),
    }
    if partial is None:
        call = PanelCall(request=request, record=lead, can_edit=can_edit, forms=forms)
        context |= {
            "duplicates": []
            if lead.is_converted
            else dedup.lead_duplicates(lead, user=user, limit=DUPLICATES_LIMIT),
            "panels": lead_panels.slots(),
            **lead_panels.context(call),
        }
    context |= forms
    template = f"leads/lead_detail.html#{partial}" if partial else "leads/lead_detail.html"
    return render(request, template, context)


def _to_lead_page(request: HttpRequest, lead: Lead) -> HttpResponse:
    """After an action that changes the whole page: load it again (htmx: the browser does)."""
    if request.htmx:
        return HttpResponseClientRedirect(lead.get_absolute_url())
    return redirect(lead)


LEAD_EXPORT_COLUMNS = [
    ("id", "id"), ("first_name", "first_name"), ("last_name", "last_name"),
    ("company", "company"), ("industry", "industry"), ("title", "title"), ("email", "email"),
    ("phone", "phone"), ("channel", "channel"), ("source", "source"),
    ("source_detail", "source_detail"), ("campaign", "campaign__name"), ("status", "status"),
    ("score", "score"), ("grade", "grade"), ("external_id", "external_id"),
    ("owner", "owner__username"), ("team", "team__name"), ("created_at", "created_at"),
    ("converted_at", "converted_at"), ("disqualified_at", "disqualified_at"),
]  # fmt: skip


@login_required
@require_http_methods(["GET"])
def lead_list(request: HttpRequest) -> HttpResponse:
    if default_view := saved_view_default_redirect(request, "lead"):
        return default_view
    form = LeadFilterForm(request.GET, user=request.user)
    leads = leads_filtered(request.user, **form.filters())
    # A file exported without a filter the user asked for would look right and be wrong: the
    # page shows the filter's error instead.
    if request.GET.get("format") == "csv" and not form.errors:
        extra, formats = custom_export("lead")
        return records_export(
            request,
            name="leads",
            queryset=leads,
            columns=LEAD_EXPORT_COLUMNS + extra,
            formats=formats,
        )
    context = {
        "form": form,
        "page_obj": page_of(request, leads, deferred_join=True),
        "custom_columns": form.custom_columns,
    }
    context |= saved_views_context(request, "lead", form)
    response = render_list(request, "leads/lead_list.html", context)
    if request.GET.get("format") == "csv":
        response.status_code = 400  # asked for a file, answered with the filters' errors
    return response


@login_required
@require_http_methods(["GET"])
def lead_queue(request: HttpRequest) -> HttpResponse:
    """Leads of the manager's teams waiting for an owner or a first contact."""
    policy.require_manager(request.user)
    leads = leads_queue_for_manager(request.user)
    assignees = policy.users_visible_to(request.user).filter(is_active=True)
    context = {
        "page_obj": page_of(request, leads),
        "assignees": list(assignees.order_by("first_name", "username")),
    }
    return render_list(request, "leads/lead_queue.html", context)


@login_required
@require_http_methods(["GET"])
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk)
    return lead_page(request, lead)


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST or None, user=request.user)
    return record_create(
        request,
        form=form,
        create=services.lead_create,
        saved="Lead {record} created.",
        title="New lead",
        cancel_url=reverse("leads:lead-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk, write=True)
    form = LeadForm(request.POST or None, user=request.user, record=lead)
    return record_edit(
        request, record=lead, form=form, update=services.lead_update, saved="Lead {record} saved."
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.lead_delete(lead, acting_user=request.user)
        messages.success(request, f"Lead {lead} deleted.")
        return redirect("leads:lead-list")
    context = {
        "object": lead,
        "kind": "lead",
        "cancel_url": lead.get_absolute_url(),
        "consequence": "Its activities are deleted with it; deals converted from it stay.",
    }
    return render(request, "confirm_delete.html", context)


@login_required
@require_http_methods(["POST"])
def lead_qualification(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the BANT answers the user changed; with the Qualify button, then qualify.

    A refused qualification keeps the answers and says which BANT letters are missing."""
    lead = lead_get_for_user(request.user, pk, write=True)
    form = BantForm(request.POST, user=request.user, record=lead.qualification)
    if not form.is_valid():
        return lead_page(request, lead, region="qualification", bant_form=form)
    try:
        changes = form.changes_since_read()  # another tab's answers stay
        if changes:
            services.lead_qualification_record(lead, acting_user=request.user, **changes)
    except ValidationError as error:
        form_add_service_error(form, error)
        lead = lead_get_for_user(request.user, pk)  # without the refused answers
        return lead_page(request, lead, region="qualification", bant_form=form)
    if "qualify" not in request.POST:
        messages.success(request, "BANT answers saved.")
        return lead_page(request, lead, region="qualification") if request.htmx else redirect(lead)
    try:
        services.lead_qualify(lead, acting_user=request.user)
    except DomainError as error:
        return lead_page(request, lead, region="qualification", qualify_refusal=error)
    messages.success(request, f"{lead} is qualified. Convert it into a deal when you are ready.")
    return _to_lead_page(request, lead)


@login_required
@require_http_methods(["POST"])
def lead_disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk, write=True)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            services.lead_disqualify(lead, acting_user=request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{lead} is disqualified: {form.cleaned_data['reason']}.")
            return _to_lead_page(request, lead)
    return lead_page(request, lead, region="qualification", disqualify_form=form)


@login_required
@require_http_methods(["POST"])
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the lead to someone of the user's teams (blank: the user); back to `next`."""
    lead = lead_get_for_user(request.user, pk, write=True)
    form = AssignForm(request.POST, user=request.user)
    back = next_url(request, lead.get_absolute_url())
    if not form.is_valid():
        messages.error(request, f"{lead} was not assigned: choose someone of your teams.")
        return redirect(back)
    try:
        lead = assignment.lead_assign(
            lead, acting_user=request.user, owner=form.cleaned_data["owner"]
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, f"{lead} was not assigned. {error_text(error)}")
    else:
        messages.success(request, f"{lead} is assigned to {lead.owner}.")
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def lead_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge a duplicate lead (`record`) into this lead, after a confirm step."""
    lead = lead_get_for_user(request.user, pk, write=True)
    form = RecordChoiceForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Choose the duplicate to merge among the likely duplicates.")
        return redirect(lead)
    duplicate = lead_get_for_user(request.user, form.cleaned_data["record"], write=True)
    if request.method == "POST":
        name = duplicate.display_name
        try:
            dedup.lead_merge(lead, duplicate, acting_user=request.user)
        except (ValidationError, DomainError) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"Merged {name} into {lead}.")
        return redirect(lead)
    context = {"lead": lead, "other": duplicate, "into_contact": False}
    return render(request, "leads/lead_merge.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lead_merge_into_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Fold this lead into an existing contact (`record`), after a confirm step."""
    lead = lead_get_for_user(request.user, pk, write=True)
    form = RecordChoiceForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Choose the contact among the likely duplicates.")
        return redirect(lead)
    contact = contact_get_for_user(request.user, form.cleaned_data["record"], write=True)
    if request.method == "POST":
        try:
            dedup.lead_merge_into_contact(lead, contact, acting_user=request.user)
        except (ValidationError, DomainError) as error:
            messages.error(request, error_text(error))
            return redirect(lead)
        messages.success(request, f"Merged the lead {lead} into the contact {contact}.")
        return redirect(contact)
    context = {"lead": lead, "other": contact, "into_contact": True}
    return render(request, "leads/lead_merge.html", context)
