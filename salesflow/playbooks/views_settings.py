"""Playbook settings: checklists per stage, question sets, next-action rules (admins only) and
the objection library (managers and admins). Writes go through playbooks.configuration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.settings_views import settings_form, settings_save
from salesflow.core.views import render_list
from salesflow.pipeline.models import Pipeline, Stage, StageKind
from salesflow.pipeline.selectors import pipeline_default
from salesflow.playbooks import configuration
from salesflow.playbooks.forms_settings import (
    ChecklistItemAddForm,
    ChecklistItemForm,
    LibraryResponseCreateForm,
    LibraryResponseForm,
    NextActionRuleForm,
    QuestionAddForm,
    QuestionForm,
    QuestionSetCreateForm,
    QuestionSetForm,
)
from salesflow.playbooks.models import (
    ChecklistItem,
    CustomerState,
    LibraryResponse,
    NextActionRule,
    Question,
    QuestionSet,
)
from salesflow.playbooks.selectors import library_response_win_rates
from salesflow.users.policy import require_admin, require_manager

SETTINGS = "playbook-settings"


# Checklists ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def checklists(request: HttpRequest) -> HttpResponse:
    """The checklist of every open stage of one pipeline (`?pipeline=`, default pipeline)."""
    require_admin(request.user)
    pipelines = list(Pipeline.objects.filter(is_active=True))
    chosen = str(request.GET.get("pipeline") or "")
    pipeline = next((p for p in pipelines if str(p.pk) == chosen), None) or pipeline_default()
    items = ChecklistItem.objects.order_by("-is_active", "position", "pk")
    stages = (
        Stage.objects.active()
        .filter(pipeline=pipeline, kind=StageKind.OPEN)
        .prefetch_related(Prefetch("checklist_items", queryset=items))
        .order_by("position")
    )
    context = {
        "pipelines": pipelines,
        "pipeline": pipeline,
        "stages": stages,
        "tab": "checklists",
    }
    return render_list(request, "playbooks/settings/checklists.html", context)


def _checklists_url(stage: Stage) -> str:
    return f"{reverse(f'{SETTINGS}:checklists')}?pipeline={stage.pipeline_id}#stage-{stage.pk}"


def _question_set_url(pk: int) -> str:
    return reverse(f"{SETTINGS}:question-set-edit", args=[pk])


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    stage = get_object_or_404(Stage.objects.active().select_related("pipeline"), pk=pk)
    form = ChecklistItemAddForm(request.POST or None, user=request.user)
    back = _checklists_url(stage)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.checklist_item_add(
            stage, label=form.cleaned_data["label"], acting_user=request.user
        ),
        success_message=lambda item: f"“{item}” added to the {stage.name} checklist.",
        redirect_to=back,
        context={"title": f"New checklist item for {stage.name}", "cancel_url": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    item = get_object_or_404(ChecklistItem.objects.select_related("stage"), pk=pk)
    form = ChecklistItemForm(request.POST or None, user=request.user, record=item)
    back = _checklists_url(item.stage)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.checklist_item_update(
            item, acting_user=request.user, **form.changes()
        ),
        success_message=lambda _: f"Checklist item “{item}” saved.",
        redirect_to=back,
        context={"title": f"Edit checklist item of {item.stage.name}", "cancel_url": back},
    )


# Question sets ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def question_sets(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    sets = (
        QuestionSet.objects.select_related("stage__pipeline")
        .annotate(question_count=Count("questions", filter=Q(questions__is_active=True)))
        .order_by("-is_active", "name", "pk")
    )
    context = {"question_sets": sets, "tab": "question-sets"}
    return render_list(request, "playbooks/settings/question_sets.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def question_set_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = QuestionSetCreateForm(request.POST or None, user=request.user)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.question_set_create(
            acting_user=request.user, **form.cleaned_data
        ),
        success_message=lambda question_set: f"Question set “{question_set}” created.",
        redirect_to=lambda question_set: _question_set_url(question_set.pk),
        context={"title": "New question set", "cancel_url": reverse(f"{SETTINGS}:question-sets")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_set_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The set's own fields, its questions, and the form that adds one."""
    require_admin(request.user)
    question_set = get_object_or_404(QuestionSet.objects.select_related("stage__pipeline"), pk=pk)
    form = QuestionSetForm(request.POST or None, user=request.user, record=question_set)
    saved = settings_save(
        request,
        form=form,
        save=lambda: configuration.question_set_update(
            question_set, acting_user=request.user, **form.changes()
        ),
        success_message=lambda _: f"Question set “{question_set}” saved.",
        redirect_to=_question_set_url(question_set.pk),
    )
    if saved is not None:
        return saved
    context = {
        "question_set": question_set,
        "form": form,
        "questions": question_set.questions.order_by("-is_active", "position", "pk"),
        "add_form": QuestionAddForm(user=request.user),
        "tab": "question-sets",
    }
    return render_list(request, "playbooks/settings/question_set_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    question_set = get_object_or_404(QuestionSet, pk=pk)
    form = QuestionAddForm(request.POST or None, user=request.user)
    back = _question_set_url(question_set.pk)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.question_add(
            question_set, acting_user=request.user, **form.values()
        ),
        success_message="Question added.",
        redirect_to=back,
        context={"title": f"New question in {question_set}", "cancel_url": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    question = get_object_or_404(Question.objects.select_related("question_set"), pk=pk)
    form = QuestionForm(request.POST or None, user=request.user, record=question)
    back = _question_set_url(question.question_set_id)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.question_update(
            question, acting_user=request.user, **form.changes()
        ),
        success_message="Question saved.",
        redirect_to=back,
        context={"title": f"Edit question of {question.question_set}", "cancel_url": back},
    )


# Next-action rules --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def next_actions(request: HttpRequest) -> HttpResponse:
    """One row per customer state with its active rule, if any."""
    require_admin(request.user)
    rules = {rule.state: rule for rule in NextActionRule.objects.filter(is_active=True)}
    rows = [(value, label, rules.get(value)) for value, label in CustomerState.choices]
    context = {"rows": rows, "tab": "next-actions"}
    return render_list(request, "playbooks/settings/next_actions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def next_action_set(request: HttpRequest) -> HttpResponse:
    """Set the rule of a state (`?state=`); it replaces the state's current rule."""
    require_admin(request.user)
    state = request.GET.get("state", "")
    current = NextActionRule.objects.filter(state=state, is_active=True).first()
    initial: dict[str, Any] = {"state": state, "activity_type": "task", "due_in_days": 2}
    if current is not None:
        initial |= {
            name: getattr(current, name)
            for name in ("action", "guidance", "activity_type", "due_in_days")
        }
    form = NextActionRuleForm(request.POST or None, initial=initial)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.next_action_rule_set(
            acting_user=request.user, **form.cleaned_data
        ),
        success_message=lambda rule: f"Next action for {rule.get_state_display()} saved.",
        redirect_to=f"{SETTINGS}:next-actions",
        context={"title": "Set a next action", "cancel_url": reverse(f"{SETTINGS}:next-actions")},
    )


@login_required
@require_http_methods(["POST"])
def next_action_disable(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    rule = get_object_or_404(NextActionRule, pk=pk, is_active=True)
    configuration.next_action_rule_disable(rule, acting_user=request.user)
    messages.success(request, f"No next action for {rule.get_state_display()} any more.")
    return redirect(f"{SETTINGS}:next-actions")


# Objection library (managers and admins) ----------------------------------------------------


@login_required
@require_http_methods(["GET"])
def library(request: HttpRequest) -> HttpResponse:
    """Every answer with how deals went where it was used."""
    require_manager(request.user, what="edit the objection library")
    entries = library_response_win_rates().order_by("-is_active", "category", "title", "pk")
    context = {"entries": entries, "tab": "library"}
    return render_list(request, "playbooks/settings/library.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def library_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, what="edit the objection library")
    form = LibraryResponseCreateForm(request.POST or None, user=request.user)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.library_response_create(
            acting_user=request.user, **form.values()
        ),
        success_message=lambda entry: f"“{entry}” added to the objection library.",
        redirect_to=f"{SETTINGS}:library",
        context={"title": "New library answer", "cancel_url": reverse(f"{SETTINGS}:library")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def library_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, what="edit the objection library")
    entry = get_object_or_404(LibraryResponse, pk=pk)
    form = LibraryResponseForm(request.POST or None, user=request.user, record=entry)
    return settings_form(
        request,
        form=form,
        save=lambda: configuration.library_response_update(
            entry, acting_user=request.user, **form.changes()
        ),
        success_message=lambda _: f"“{entry}” saved.",
        redirect_to=f"{SETTINGS}:library",
        context=lambda: {"title": f"Edit “{entry}”", "cancel_url": reverse(f"{SETTINGS}:library")},
    )
