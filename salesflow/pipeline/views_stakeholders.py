"""The stakeholder and competitor panels of the deal page: each action answers like the deal
page's other panels (see `salesflow.pipeline.views.deal_page`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text
from salesflow.pipeline import services
from salesflow.pipeline.forms_stakeholders import (
    DealCompetitorAddForm,
    DealCompetitorEditForm,
    DealCompetitorPickForm,
    StakeholderAddForm,
    StakeholderEditForm,
    StakeholderPickForm,
)
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.pipeline.views import deal_back, deal_page, deal_panel_done


@login_required
@require_http_methods(["POST"])
def stakeholder_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    if request.POST.get("from_bant"):
        # "Add <name> as decision maker": the person BANT names (a contact made if needed).
        try:
            row = services.decision_maker_add_from_bant(deal, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"{row.contact} added as decision maker.")
        return deal_back(request, deal)  # the blockers and the playbook change too
    form = StakeholderAddForm(request.POST, deal=deal, user=request.user)
    if form.is_valid():
        try:
            row = services.stakeholder_add(deal, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{row.contact} added as {row.get_role_display().lower()}.")
            return deal_panel_done(request, deal, "stakeholders")
    return deal_page(request, deal, panel="stakeholders", forms={"stakeholder": form})


@login_required
@require_http_methods(["POST"])
def stakeholder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = StakeholderEditForm(request.POST, deal=deal)
    if form.is_valid():
        row = form.cleaned_data["stakeholder"]
        try:
            services.stakeholder_update(row, acting_user=request.user, **form.changes())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{row.contact} saved.")
            return deal_panel_done(request, deal, "stakeholders")
    if "stakeholder" in form.errors:
        messages.error(request, "That person is not a stakeholder of this deal (any more).")
        return deal_panel_done(request, deal, "stakeholders")
    row_key = ("stakeholder", form.cleaned_data["stakeholder"].pk)
    return deal_page(request, deal, panel="stakeholders", forms={row_key: form})


@login_required
@require_http_methods(["POST"])
def stakeholder_remove(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = StakeholderPickForm(request.POST, deal=deal)
    if form.is_valid():
        row = form.cleaned_data["stakeholder"]
        services.stakeholder_remove(row, acting_user=request.user)
        messages.success(request, f"{row.contact} removed from the stakeholders.")
    else:
        messages.error(request, "That person is not a stakeholder of this deal (any more).")
    return deal_panel_done(request, deal, "stakeholders")


@login_required
@require_http_methods(["POST"])
def competitor_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCompetitorAddForm(request.POST, deal=deal)
    if form.is_valid():
        try:
            # A new competitor joins the shared list only if it joins this deal too.
            with transaction.atomic():
                competitor = form.cleaned_data["competitor"] or services.competitor_create(
                    name=form.cleaned_data["new_name"], acting_user=request.user
                )
                services.deal_competitor_add(
                    deal, competitor=competitor, acting_user=request.user, **form.details()
                )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{competitor} added to the competitors.")
            return deal_panel_done(request, deal, "competitors")
    return deal_page(request, deal, panel="competitors", forms={"competitor": form})


@login_required
@require_http_methods(["POST"])
def competitor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCompetitorEditForm(request.POST, deal=deal)
    if form.is_valid():
        entry = form.cleaned_data["entry"]
        try:
            services.deal_competitor_update(entry, acting_user=request.user, **form.changes())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{entry.competitor} saved.")
            return deal_panel_done(request, deal, "competitors")
    if "entry" in form.errors:
        messages.error(request, "That competitor is not on this deal (any more).")
        return deal_panel_done(request, deal, "competitors")
    row_key = ("competitor", form.cleaned_data["entry"].pk)
    return deal_page(request, deal, panel="competitors", forms={row_key: form})


@login_required
@require_http_methods(["POST"])
def competitor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCompetitorPickForm(request.POST, deal=deal)
    if form.is_valid():
        entry = form.cleaned_data["entry"]
        services.deal_competitor_remove(entry, acting_user=request.user)
        messages.success(request, f"{entry.competitor} removed from this deal.")
    else:
        messages.error(request, "That competitor is not on this deal (any more).")
    return deal_panel_done(request, deal, "competitors")
