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
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import page_of, render_list
from salesflow.leads import services
from salesflow.leads.forms import LeadFilterForm, LeadForm
from salesflow.leads.models import Lead
from salesflow.leads.selectors import lead_get_for_user, leads_visible_to
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users import policy

TIMELINE_LIMIT = 50


# TODO move to selectors: the lead list's search and filters.
def leads_filter(leads: QuerySet[Lead], filters: dict[str, Any]) -> QuerySet[Lead]:
    if q := filters.pop("q", ""):
        words = Q()
        for word in q.split():
            words &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(company__icontains=word)
                | Q(phone__icontains=word)
            )
        leads = leads.filter(words)
    return leads.filter(**filters)


@login_required
@require_http_methods(["GET"])
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET, user=request.user)
    leads = leads_filter(
        leads_visible_to(request.user).select_related("owner", "campaign"), form.filters()
    )
    context = {"form": form, "page_obj": page_of(request, leads)}
    return render_list(request, "leads/lead_list.html", context)


@login_required
@require_http_methods(["GET"])
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk)
    activities = activities_visible_to(request.user).filter(lead=lead)
    context = {
        "lead": lead,
        "deals": deals_visible_to(request.user).filter(lead=lead).select_related("stage"),
        "activities": activities_timeline(activities)[:TIMELINE_LIMIT],
        "can_edit": policy.can_write(request.user, lead),
        "now": timezone.now(),
    }
    return render(request, "leads/lead_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            lead = services.lead_create(acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Lead {lead} created.")
            return redirect(lead)
    context = {"form": form, "title": "New lead", "cancel_url": reverse("leads:lead-list")}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk, write=True)
    form = LeadForm(request.POST or None, user=request.user, record=lead)
    if form.is_valid():
        try:
            services.lead_update(
                lead,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **form.changes(),
            )
        except ConflictError as error:
            form.show_conflict(error)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Lead {lead} saved.")
            return redirect(lead)
    context = {"form": form, "title": f"Edit {lead}", "cancel_url": lead.get_absolute_url()}
    return render(request, "form_page.html", context)


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
