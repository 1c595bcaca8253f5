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
from salesflow.core.errors import ConflictError, DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text, page_of, render_list
from salesflow.pipeline import services
from salesflow.pipeline.forms import (
    DealCloseForm,
    DealCreateForm,
    DealFilterForm,
    DealForm,
    DealMoveForm,
    DealReopenForm,
)
from salesflow.pipeline.models import Deal, Stage, StageChange, StageKind
from salesflow.pipeline.selectors import deal_get_for_user, deals_visible_to, pipeline_default
from salesflow.users import policy

TIMELINE_LIMIT = 50


# TODO move to selectors: the deal list's search and filters.
def deals_filter(deals: QuerySet[Deal], filters: dict[str, Any]) -> QuerySet[Deal]:
    if q := filters.pop("q", ""):
        deals = deals.filter(Q(name__icontains=q) | Q(account__name__icontains=q))
    return deals.filter(**filters)


# TODO move to selectors: a deal's moves, oldest first, with the people and stages they name.
def stage_changes_of(deal: Deal) -> QuerySet[StageChange]:
    return deal.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by(
        "changed_at", "pk"
    )


def stage_progress(deal: Deal) -> list[tuple[Stage, str]]:
    """The steps the progress bar shows: open stages, then Won, or the terminal stage reached."""
    stages = Stage.objects.filter(pipeline_id=deal.pipeline_id).order_by("position")
    steps = []
    for stage in stages:
        if stage.kind != StageKind.OPEN and not (
            stage.pk == deal.stage_id or (stage.kind == StageKind.WON and not deal.is_closed)
        ):
            continue
        if stage.pk == deal.stage_id:
            state = "current"
        elif stage.position < deal.stage.position and stage.kind == StageKind.OPEN:
            state = "done" if deal.stage.kind != StageKind.LOST else "todo"
        else:
            state = "todo"
        steps.append((stage, state))
    return steps


@login_required
@require_http_methods(["GET"])
def deal_list(request: HttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET, user=request.user)
    deals = deals_filter(
        deals_visible_to(request.user).select_related("account", "stage", "owner"),
        form.filters(),
    )
    context = {"form": form, "page_obj": page_of(request, deals)}
    return render_list(request, "pipeline/deal_list.html", context)


@login_required
@require_http_methods(["GET"])
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk)
    activities = activities_visible_to(request.user).filter(deal=deal)
    context = {
        "deal": deal,
        "steps": stage_progress(deal),
        "history": stage_changes_of(deal),
        "activities": activities_timeline(activities)[:TIMELINE_LIMIT],
        "can_edit": policy.can_write(request.user, deal),
        "move_form": DealMoveForm(deal=deal),
        "close_form": DealCloseForm(deal=deal),
        "reopen_form": DealReopenForm(deal=deal),
        "now": timezone.now(),
    }
    return render(request, "pipeline/deal_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    initial = {"pipeline": pipeline_default().pk, "account": request.GET.get("account")}
    form = DealCreateForm(request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        try:
            deal = services.deal_create(acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Deal {deal} created in {deal.stage.name}.")
            return redirect(deal)
    context = {"form": form, "title": "New deal", "cancel_url": reverse("pipeline:deal-list")}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealForm(request.POST or None, user=request.user, record=deal)
    if form.is_valid():
        try:
            services.deal_update(
                deal,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **form.changes(),
            )
        except ConflictError as error:
            form.show_conflict(error)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Deal {deal} saved.")
            return redirect(deal)
    context = {"form": form, "title": f"Edit {deal}", "cancel_url": deal.get_absolute_url()}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.deal_delete(deal, acting_user=request.user)
        messages.success(request, f"Deal {deal} deleted.")
        return redirect("pipeline:deal-list")
    context = {
        "object": deal,
        "kind": "deal",
        "cancel_url": deal.get_absolute_url(),
        "consequence": "Its stage history and activities are deleted with it.",
    }
    return render(request, "confirm_delete.html", context)


@login_required
@require_http_methods(["POST"])
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealMoveForm(request.POST, deal=deal)
    if not form.is_valid():
        return _refused(request, deal, form)
    data = form.cleaned_data
    try:
        services.deal_move(
            deal,
            to_stage=data["to_stage"],
            lost_reason=data["lost_reason"],
            override_reason=data["override_reason"],
            expected_version=data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Moved to {data['to_stage'].name}.")
    return redirect(deal)


@login_required
@require_http_methods(["POST"])
def deal_close(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCloseForm(request.POST, deal=deal)
    if not form.is_valid():
        return _refused(request, deal, form)
    data = form.cleaned_data
    try:
        services.deal_close(
            deal,
            outcome=data["outcome"],
            lost_reason=data["lost_reason"],
            amount=data["amount"],
            note=data["note"],
            expected_version=data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Deal closed as {deal.get_outcome_display().lower()}.")
    return redirect(deal)


@login_required
@require_http_methods(["POST"])
def deal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealReopenForm(request.POST, deal=deal)
    if not form.is_valid():
        return _refused(request, deal, form)
    try:
        services.deal_reopen(
            deal,
            to_stage=form.cleaned_data["to_stage"],
            expected_version=form.cleaned_data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Deal reopened in {deal.stage.name}.")
    return redirect(deal)


def _refused(request: HttpRequest, deal: Deal, form: Any) -> HttpResponse:
    """A move, close or reopen form with bad input: say why on the deal page."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect(deal)
