"""The playbook panels of the deal page: checklist ticks, the needs assessment, the
first-meeting judgment and its next action, objections. Each action answers like the deal
page's own panels (see `salesflow.pipeline.views.deal_page`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from salesflow.core.errors import DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.pipeline.views import deal_page, deal_panel_done
from salesflow.playbooks import services
from salesflow.playbooks.forms import (
    AssessmentForm,
    ChecklistTickForm,
    FirstMeetingForm,
    ObjectionAnswerForm,
    ObjectionLogForm,
    ObjectionPickForm,
    QuestionSetPickForm,
)
from salesflow.playbooks.selectors import assessment_for_deal, question_sets_for_deal


@login_required
@require_http_methods(["POST"])
def checklist_tick(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = ChecklistTickForm(request.POST, deal=deal)
    if not form.is_valid():
        messages.error(request, "That checklist item is not on this deal's pipeline.")
        return deal_panel_done(request, deal, "playbook")
    item, ticked = form.cleaned_data["item"], form.cleaned_data["ticked"]
    try:
        services.checklist_tick(deal, item, acting_user=request.user, ticked=ticked)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"{'Ticked' if ticked else 'Unticked'} “{item.label}”.")
    return deal_panel_done(request, deal, "playbook")


@login_required
@require_http_methods(["POST"])
def assessment_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the typed answers; with `confirm`, also mark them played back and confirmed."""
    deal = deal_get_for_user(request.user, pk, write=True)
    picked = QuestionSetPickForm(request.POST, question_sets=question_sets_for_deal(deal))
    if not picked.is_valid():
        messages.error(request, "Those questions are not part of this deal's assessment.")
        return deal_panel_done(request, deal, "assessment")
    question_set = picked.cleaned_data["question_set"]
    form = AssessmentForm(request.POST, view=assessment_for_deal(deal, question_set))
    form.is_valid()  # every answer is optional text
    try:
        for question, text in form.answers():
            services.answer_record(deal, question, text=text, acting_user=request.user)
        if request.POST.get("confirm"):
            services.assessment_confirm(deal, question_set, acting_user=request.user)
    except (ValidationError, DomainError) as error:
        # Shown in the panel, next to the questions it names (docs/editing.md, focus rules).
        form_errors_on_questions(form, error)
        return deal_page(
            request, deal, panel="assessment", forms={("assessment", question_set.pk): form}
        )
    if request.POST.get("confirm"):
        messages.success(request, "Answers confirmed by the customer.")
    else:
        messages.success(request, "Answers saved.")
    return deal_panel_done(request, deal, "assessment")


@login_required
@require_http_methods(["POST"])
def first_meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = FirstMeetingForm(request.POST)
    if form.is_valid():
        try:
            meeting = services.first_meeting_record(
                deal, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Customer state: {meeting.get_state_display().lower()}.")
            return deal_panel_done(request, deal, "first-meeting")
    return deal_page(request, deal, panel="first-meeting", forms={"meeting": form})


@login_required
@require_http_methods(["POST"])
def next_action_task(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    try:
        task = services.next_action_create_task(deal, acting_user=request.user)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Task created: {task.subject}.")
    return deal_panel_done(request, deal, "first-meeting", also=["timeline"])


@login_required
@require_http_methods(["POST"])
def objection_log(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = ObjectionLogForm(request.POST)
    if form.is_valid():
        try:
            logged = services.objection_log(deal, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            hint = " Pick a response from the library below." if logged.suggestions else ""
            messages.success(request, f"Objection logged.{hint}")
            return deal_panel_done(request, deal, "objections")
    return deal_page(request, deal, panel="objections", forms={"objection": form})


@login_required
@require_http_methods(["POST"])
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = ObjectionAnswerForm(request.POST, deal=deal)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.objection_answer(
                data["objection"],
                acting_user=request.user,
                response_given=data["response_given"],
                library_response=data["library_response"],
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Objection answered.")
            return deal_panel_done(request, deal, "objections")
    if "objection" in form.errors:
        messages.error(request, "That objection is not open on this deal (any more).")
        return deal_panel_done(request, deal, "objections")
    row_key = ("objection", form.cleaned_data["objection"].pk)
    return deal_page(request, deal, panel="objections", forms={row_key: form})


@login_required
@require_http_methods(["POST"])
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = ObjectionPickForm(request.POST, deal=deal)
    if not form.is_valid():
        messages.error(request, "That objection is not on this deal.")
        return deal_panel_done(request, deal, "objections")
    try:
        services.objection_resolve(form.cleaned_data["objection"], acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Objection resolved.")
    return deal_panel_done(request, deal, "objections")


def form_errors_on_questions(form: AssessmentForm, error: ValidationError | DomainError) -> None:
    """A refused confirmation marks each unanswered question (and says why next to the button);
    any other refusal shows on the form."""
    if not isinstance(error, DomainError):
        form_add_service_error(form, error)
        return
    for item in error.missing:
        code, _, pk = item.get("code", "").partition(":")
        name = f"answer_{pk}"
        if code == "assessment_answered" and name in form.fields:
            form.add_error(name, "Answer this question before confirming.")
    form.add_error(None, error.message)
