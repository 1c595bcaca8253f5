"""The products panel of the deal page: each action answers like the page's other panels
(see `salesflow.pipeline.views.deal_page`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from salesflow.core.errors import ConflictError
from salesflow.core.forms import form_add_service_error
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.pipeline.views import deal_page, deal_panel_done
from salesflow.quotes import services
from salesflow.quotes.forms_deal_lines import (
    DealAmountFollowForm,
    DealLineAddForm,
    DealLineEditForm,
    DealLinePickForm,
)

PANEL = "products"


@login_required
@require_http_methods(["POST"])
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealLineAddForm(request.POST, deal=deal)
    status = 200
    if form.is_valid():
        try:
            line = services.deal_line_add(
                deal,
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.values(),
            )
        except (ValidationError, ConflictError) as error:
            form_add_service_error(form, error)
            status = 409 if isinstance(error, ConflictError) else 200  # docs/editing.md
        else:
            messages.success(request, f"{line.product.name} added.")
            return deal_panel_done(request, deal, PANEL)
    response = deal_page(request, deal, panel=PANEL, forms={"dealline": form})
    response.status_code = status
    return response


@login_required
@require_http_methods(["POST"])
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealLineEditForm(request.POST, deal=deal)
    status = 200
    if form.is_valid():
        line = form.cleaned_data["line"]
        try:
            services.deal_line_update(
                line,
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.changes(),
            )
        except (ValidationError, ConflictError) as error:
            form_add_service_error(form, error)
            status = 409 if isinstance(error, ConflictError) else 200  # docs/editing.md
        else:
            messages.success(request, f"{line.product.name} saved.")
            return deal_panel_done(request, deal, PANEL)
    if "line" in form.errors:
        messages.error(request, "That line is not on this deal (any more).")
        return deal_panel_done(request, deal, PANEL)
    key = ("dealline", form.cleaned_data["line"].pk)
    response = deal_page(request, deal, panel=PANEL, forms={key: form})
    response.status_code = status
    return response


@login_required
@require_http_methods(["POST"])
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealLinePickForm(request.POST, deal=deal)
    if not form.is_valid():
        messages.error(request, "That line is not on this deal (any more).")
        return deal_panel_done(request, deal, PANEL)
    line = form.cleaned_data["line"]
    try:
        services.deal_line_remove(
            line, acting_user=request.user, expected_version=form.cleaned_data["version"]
        )
    except ConflictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{line.product.name} removed.")
    return deal_panel_done(request, deal, PANEL)


@login_required
@require_http_methods(["POST"])
def amount_follow(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealAmountFollowForm(request.POST, deal=deal)
    if form.is_valid():
        try:
            services.deal_amount_follow_lines(
                deal,
                acting_user=request.user,
                follow=form.cleaned_data["follow"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                "The amount now follows the lines."
                if form.cleaned_data["follow"]
                else "The amount no longer follows the lines.",
            )
    return deal_panel_done(request, deal, PANEL)
