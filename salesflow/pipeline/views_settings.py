"""Settings of the sales process (admins only): pipelines, their stages and exit criteria, and
the lost reasons. Every change goes through the configuration services, which check again
that the user is an admin; the views refuse everyone else first (403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.errors import DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text, render_list
from salesflow.pipeline import services
from salesflow.pipeline.criteria import requirement_label
from salesflow.pipeline.forms_settings import (
    LostReasonAddForm,
    LostReasonForm,
    PipelineCreateForm,
    PipelineForm,
    RequirementAddForm,
    StageAddForm,
    StageForm,
    StageRemoveForm,
)
from salesflow.pipeline.models import (
    LostReason,
    Outcome,
    Pipeline,
    Stage,
    StageKind,
    StageRequirement,
)
from salesflow.pipeline.selectors import stage_requirements_of, stages_active
from salesflow.users.policy import require_admin

SETTINGS = "pipeline-settings"


def _stage_for_admin(request: HttpRequest, pk: int) -> Stage:
    require_admin(request.user)
    return get_object_or_404(Stage.objects.active().select_related("pipeline"), pk=pk)


def _form_page(request: HttpRequest, form: Any, *, title: str, cancel_url: str, **extra: Any):
    context = {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    return render(request, "form_page.html", context)


def _swapped(new_order: list[int], pk: int, direction: str) -> list[int] | None:
    """The order with `pk` one place up or down; None when it cannot move that way."""
    index = new_order.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(new_order):
        return None
    new_order[index], new_order[other] = new_order[other], new_order[index]
    return new_order


# Pipelines ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def pipeline_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    pipelines = Pipeline.objects.annotate(
        stage_count=Count("stages", filter=Q(stages__archived_at__isnull=True), distinct=True),
        open_deals=Count("deals", filter=Q(deals__outcome=Outcome.OPEN), distinct=True),
    ).order_by("-is_default", "-is_active", "name")
    context = {"pipelines": pipelines, "tab": "pipelines"}
    return render_list(request, "pipeline/settings/pipeline_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = PipelineCreateForm(request.POST or None)
    if form.is_valid():
        try:
            pipeline = services.pipeline_create(acting_user=request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Pipeline {pipeline} created.")
            return redirect(f"{SETTINGS}:pipeline-detail", pipeline.pk)
    return _form_page(
        request,
        form,
        title="New pipeline",
        cancel_url=reverse(f"{SETTINGS}:pipeline-list"),
        intro="Stages, their probabilities and exit criteria can be changed afterwards.",
    )


@login_required
@require_http_methods(["GET"])
def pipeline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    return _pipeline_page(request, get_object_or_404(Pipeline, pk=pk))


def _pipeline_page(request: HttpRequest, pipeline: Pipeline) -> HttpResponse:
    """The stages table; an htmx request (a reorder) gets only the table."""
    stages = stages_active(pipeline).annotate(
        requirement_count=Count("requirements", distinct=True),
        deal_count=Count("deals", distinct=True),
    )
    stages = list(stages)
    opened = [stage.pk for stage in stages if stage.kind == StageKind.OPEN]
    context = {
        "pipeline": pipeline,
        "stages": stages,
        "last_open_id": opened[-1] if opened else None,
        "tab": "pipelines",
    }
    return render_list(request, "pipeline/settings/pipeline_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = PipelineForm(request.POST or None, user=request.user, record=pipeline)
    if form.is_valid():
        try:
            services.pipeline_update(pipeline, acting_user=request.user, **form.changes())
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Pipeline {pipeline} saved.")
            return redirect(f"{SETTINGS}:pipeline-detail", pipeline.pk)
    cancel = reverse(f"{SETTINGS}:pipeline-detail", args=[pipeline.pk])
    return _form_page(request, form, title=f"Edit {pipeline}", cancel_url=cancel)


# Stages -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = StageAddForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            stage = services.stage_add(
                pipeline,
                acting_user=request.user,
                **form.values(),
                position=form.cleaned_data["position"],
            )
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Stage {stage.name} added.")
            return redirect(f"{SETTINGS}:pipeline-detail", pipeline.pk)
    cancel = reverse(f"{SETTINGS}:pipeline-detail", args=[pipeline.pk])
    return _form_page(request, form, title=f"New stage in {pipeline}", cancel_url=cancel)


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_for_admin(request, pk)
    form = StageForm(request.POST or None, user=request.user, record=stage)
    if form.is_valid():
        try:
            services.stage_update(stage, acting_user=request.user, **form.changes())
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Stage {stage.name} saved.")
            return redirect(f"{SETTINGS}:pipeline-detail", stage.pipeline_id)
    cancel = reverse(f"{SETTINGS}:pipeline-detail", args=[stage.pipeline_id])
    return _form_page(request, form, title=f"Edit stage {stage.name}", cancel_url=cancel)


@login_required
@require_http_methods(["POST"])
def stage_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One place up or down among the open stages (won and lost stay last)."""
    stage = _stage_for_admin(request, pk)
    pipeline = stage.pipeline
    order = list(stages_active(pipeline).filter(kind=StageKind.OPEN).values_list("pk", flat=True))
    direction = request.POST.get("direction", "")
    new_order = _swapped(order, stage.pk, direction) if stage.pk in order else None
    if new_order is None:
        messages.error(request, f"Stage {stage.name} cannot move that way.")
    else:
        services.stages_reorder(pipeline, new_order, acting_user=request.user)
    if request.htmx:
        return _pipeline_page(request, pipeline)
    return redirect(f"{SETTINGS}:pipeline-detail", pipeline.pk)


@login_required
@require_http_methods(["GET", "POST"])
def stage_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, and when the stage holds deals, choose where they go."""
    stage = _stage_for_admin(request, pk)
    deal_count = stage.deals.count()
    data = request.POST if request.method == "POST" else None  # an empty POST confirms
    form = StageRemoveForm(data, stage=stage, has_deals=bool(deal_count))
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.stage_remove(
                stage,
                acting_user=request.user,
                move_deals_to=form.cleaned_data.get("move_deals_to"),
            )
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            text = f"Stage {stage.name} removed."
            if moved:
                target = form.cleaned_data["move_deals_to"]
                text += f" {moved} deal{'s' if moved != 1 else ''} moved to {target.name}."
            messages.success(request, text)
            return redirect(f"{SETTINGS}:pipeline-detail", stage.pipeline_id)
    context = {"stage": stage, "form": form, "deal_count": deal_count, "tab": "pipelines"}
    return render(request, "pipeline/settings/stage_remove.html", context)


# Exit criteria ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stage_requirements(request: HttpRequest, pk: int) -> HttpResponse:
    """A stage's exit criteria, and the form that adds one."""
    stage = _stage_for_admin(request, pk)
    form = RequirementAddForm(request.POST or None)
    if form.is_valid():
        try:
            requirement = services.stage_requirement_add(
                stage, acting_user=request.user, **form.values()
            )
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Exit criterion “{requirement_label(requirement)}” added.")
            return redirect(f"{SETTINGS}:stage-requirements", stage.pk)
    return _requirements_page(request, stage, form)


def _requirements_page(
    request: HttpRequest, stage: Stage, form: RequirementAddForm | None = None
) -> HttpResponse:
    """The criteria table and the add form; an htmx request (a reorder) gets only the table."""
    requirements = [
        (requirement, requirement_label(requirement))
        for requirement in stage_requirements_of(stage)
    ]
    context = {
        "stage": stage,
        "pipeline": stage.pipeline,
        "requirements": requirements,
        "form": form or RequirementAddForm(),
        "tab": "pipelines",
    }
    return render_list(request, "pipeline/settings/stage_requirements.html", context)


def _requirement_for_admin(request: HttpRequest, pk: int) -> StageRequirement:
    require_admin(request.user)
    return get_object_or_404(StageRequirement.objects.select_related("stage__pipeline"), pk=pk)


@login_required
@require_http_methods(["POST"])
def requirement_move(request: HttpRequest, pk: int) -> HttpResponse:
    requirement = _requirement_for_admin(request, pk)
    stage = requirement.stage
    order = list(stage_requirements_of(stage).values_list("pk", flat=True))
    new_order = _swapped(order, requirement.pk, request.POST.get("direction", ""))
    if new_order is not None:
        services.stage_requirements_reorder(stage, new_order, acting_user=request.user)
    if request.htmx:
        return _requirements_page(request, stage)
    return redirect(f"{SETTINGS}:stage-requirements", stage.pk)


@login_required
@require_http_methods(["POST"])
def requirement_remove(request: HttpRequest, pk: int) -> HttpResponse:
    requirement = _requirement_for_admin(request, pk)
    stage = requirement.stage
    label = requirement_label(requirement)
    services.stage_requirement_remove(requirement, acting_user=request.user)
    messages.success(request, f"Exit criterion “{label}” removed.")
    if request.htmx:
        return _requirements_page(request, stage)
    return redirect(f"{SETTINGS}:stage-requirements", stage.pk)


# Lost reasons -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lost_reasons(request: HttpRequest) -> HttpResponse:
    """The list, and the form that adds a reason."""
    require_admin(request.user)
    form = LostReasonAddForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            reason = services.lost_reason_create(
                acting_user=request.user, name=form.cleaned_data["name"]
            )
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Lost reason “{reason}” added.")
            return redirect(f"{SETTINGS}:lost-reasons")
    reasons = LostReason.objects.annotate(deal_count=Count("deals")).order_by(
        "-is_active", "position", "name"
    )
    context = {"reasons": reasons, "form": form, "tab": "lost-reasons"}
    return render_list(request, "pipeline/settings/lost_reasons.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lost_reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    reason = get_object_or_404(LostReason, pk=pk)
    form = LostReasonForm(request.POST or None, user=request.user, record=reason)
    if form.is_valid():
        try:
            services.lost_reason_update(reason, acting_user=request.user, **form.changes())
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Lost reason “{reason}” saved.")
            return redirect(f"{SETTINGS}:lost-reasons")
    cancel = reverse(f"{SETTINGS}:lost-reasons")
    return _form_page(request, form, title=f"Edit lost reason “{reason}”", cancel_url=cancel)


@login_required
@require_http_methods(["POST"])
def lost_reason_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a reason: no longer offered, still shown on the deals lost for it."""
    require_admin(request.user)
    reason = get_object_or_404(LostReason, pk=pk)
    try:
        services.lost_reason_update(reason, acting_user=request.user, is_active=False)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Lost reason “{reason}” deactivated.")
    return redirect(f"{SETTINGS}:lost-reasons")
