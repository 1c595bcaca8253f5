"""Settings of the sales process (admins only): pipelines, their stages and exit criteria, and
the lost reasons. Every change goes through the configuration services, which check again
that the user is an admin; the views refuse everyone else first (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.settings_views import settings_form, settings_save
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


def _pipeline_url(pk: int) -> str:
    return reverse(f"{SETTINGS}:pipeline-detail", args=[pk])


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
    return settings_form(
        request,
        form=form,
        save=lambda: services.pipeline_create(acting_user=request.user, **form.cleaned_data),
        success_message=lambda pipeline: f"Pipeline {pipeline} created.",
        redirect_to=lambda pipeline: _pipeline_url(pipeline.pk),
        context={
            "title": "New pipeline",
            "cancel_url": reverse(f"{SETTINGS}:pipeline-list"),
            "intro": "Stages, their probabilities and exit criteria can be changed afterwards.",
        },
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
    back = _pipeline_url(pipeline.pk)
    return settings_form(
        request,
        form=form,
        save=lambda: services.pipeline_update(pipeline, acting_user=request.user, **form.changes()),
        success_message=lambda _: f"Pipeline {pipeline} saved.",
        redirect_to=back,
        context={"title": f"Edit {pipeline}", "cancel_url": back},
    )


# Stages -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = StageAddForm(request.POST or None, user=request.user)
    back = _pipeline_url(pipeline.pk)
    return settings_form(
        request,
        form=form,
        save=lambda: services.stage_add(
            pipeline,
            acting_user=request.user,
            **form.values(),
            position=form.cleaned_data["position"],
        ),
        success_message=lambda stage: f"Stage {stage.name} added.",
        redirect_to=back,
        context={"title": f"New stage in {pipeline}", "cancel_url": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage_for_admin(request, pk)
    form = StageForm(request.POST or None, user=request.user, record=stage)
    back = _pipeline_url(stage.pipeline_id)
    return settings_form(
        request,
        form=form,
        save=lambda: services.stage_update(stage, acting_user=request.user, **form.changes()),
        success_message=lambda _: f"Stage {stage.name} saved.",
        redirect_to=back,
        context=lambda: {"title": f"Edit stage {stage.name}", "cancel_url": back},
    )


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
    form = StageRemoveForm(data, stage=stage, has_deals=bool(deal_count))  # unbound on GET
    return settings_form(
        request,
        form=form,
        save=lambda: services.stage_remove(
            stage, acting_user=request.user, move_deals_to=form.cleaned_data.get("move_deals_to")
        ),
        success_message=lambda moved: _stage_removed(stage, moved=moved, form=form),
        redirect_to=_pipeline_url(stage.pipeline_id),
        template="pipeline/settings/stage_remove.html",
        context={"stage": stage, "deal_count": deal_count, "tab": "pipelines"},
    )


def _stage_removed(stage: Stage, *, moved: int, form: StageRemoveForm) -> str:
    text = f"Stage {stage.name} removed."
    if moved:
        target = form.cleaned_data["move_deals_to"]
        text += f" {moved} deal{'s' if moved != 1 else ''} moved to {target.name}."
    return text


# Exit criteria ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stage_requirements(request: HttpRequest, pk: int) -> HttpResponse:
    """A stage's exit criteria, and the form that adds one."""
    stage = _stage_for_admin(request, pk)
    form = RequirementAddForm(request.POST or None)
    saved = settings_save(
        request,
        form=form,
        save=lambda: services.stage_requirement_add(
            stage, acting_user=request.user, **form.values()
        ),
        success_message=lambda added: f"Exit criterion “{requirement_label(added)}” added.",
        redirect_to=reverse(f"{SETTINGS}:stage-requirements", args=[stage.pk]),
    )
    return saved if saved is not None else _requirements_page(request, stage, form)


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
    saved = settings_save(
        request,
        form=form,
        save=lambda: services.lost_reason_create(
            acting_user=request.user, name=form.cleaned_data["name"]
        ),
        success_message=lambda reason: f"Lost reason “{reason}” added.",
        redirect_to=f"{SETTINGS}:lost-reasons",
    )
    if saved is not None:
        return saved
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
    return settings_form(
        request,
        form=form,
        save=lambda: services.lost_reason_update(
            reason, acting_user=request.user, **form.changes()
        ),
        success_message=lambda _: f"Lost reason “{reason}” saved.",
        redirect_to=f"{SETTINGS}:lost-reasons",
        context=lambda: {
            "title": f"Edit lost reason “{reason}”",
            "cancel_url": reverse(f"{SETTINGS}:lost-reasons"),
        },
    )


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
