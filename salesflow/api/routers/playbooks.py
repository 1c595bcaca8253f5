"""Playbook work on a deal: checklist ticks, assessment answers, the first-meeting judgment and
its next action, objections; and the shared objection library.

Read with the deal, written by whoever may change the deal. The library is read by everyone
and kept by managers and admins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import MANAGER_ONLY
from salesflow.api.routers.activities import ActivityOut
from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PatchSchema,
    choices_literal,
)
from salesflow.core.errors import AccessDenied
from salesflow.pipeline.models import Deal, Stage
from salesflow.pipeline.selectors import deal_get_for_user, deals_visible_to, stage_resolve
from salesflow.playbooks.configuration import library_response_create, library_response_update
from salesflow.playbooks.models import (
    ChecklistItem,
    CustomerState,
    DealAnswer,
    DealAssessment,
    DealObjection,
    LibraryResponse,
    ObjectionCategory,
    Question,
    QuestionSet,
)
from salesflow.playbooks.selectors import (
    checklist_for_deal,
    library_response_win_rates,
    next_action_for,
    objections_of,
)
from salesflow.playbooks.services import (
    answer_record,
    assessment_confirm,
    checklist_tick,
    first_meeting_record,
    next_action_create_task,
    objection_answer,
    objection_log,
    objection_resolve,
)
from salesflow.users import policy

router = Router(tags=["playbooks"])

StateIn = choices_literal(CustomerState)
CategoryIn = choices_literal(ObjectionCategory)


# Checklist --------------------------------------------------------------------------------------


class ChecklistLineOut(Schema):
    id: int = Field(description="The checklist item's id.")
    stage_id: int
    label: str
    position: int
    is_ticked: bool
    ticked_at: dt.datetime | None
    ticked_by_id: int | None


class ChecklistOut(Schema):
    stage_id: int
    items: list[ChecklistLineOut]
    count: int


class TickIn(InputSchema):
    ticked: bool = True


def _line(item: ChecklistItem, tick: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "stage_id": item.stage_id,
        "label": item.label,
        "position": item.position,
        "is_ticked": tick is not None,
        "ticked_at": tick.ticked_at if tick else None,
        "ticked_by_id": tick.ticked_by_id if tick else None,
    }


def _deal_stage(deal: Deal, value: int | str | None) -> Stage:
    if value is None:
        return deal.stage
    stage = stage_resolve(deal.pipeline, value)
    if stage is None:
        raise ValidationError({"stage": f"Pipeline {deal.pipeline.name!r} has no stage {value!r}."})
    return stage


@router.get("/deals/{deal_id}/checklist", response={200: ChecklistOut, **READ_ERRORS})
def checklist_list(
    request: HttpRequest, deal_id: int, stage: int | str | None = None
) -> dict[str, Any]:
    """The checklist of the deal's stage (or `stage`, by id or name) with the deal's ticks."""
    deal = deal_get_for_user(request.auth, deal_id)
    stage_row = _deal_stage(deal, stage)
    lines = [_line(line.item, line.tick) for line in checklist_for_deal(deal, stage=stage_row)]
    return {"stage_id": stage_row.pk, "items": lines, "count": len(lines)}


@router.post(
    "/deals/{deal_id}/checklist/{item_id}", response={200: ChecklistLineOut, **WRITE_ERRORS}
)
def checklist_item_tick(
    request: HttpRequest, deal_id: int, item_id: int, payload: TickIn | None = None
) -> dict[str, Any]:
    """Tick (`{"ticked": true}`, the default) or untick an item of the deal's pipeline."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    item = get_object_or_404(ChecklistItem.objects.select_related("stage"), pk=item_id)
    ticked = payload.ticked if payload is not None else True
    tick = checklist_tick(deal, item, ticked=ticked, acting_user=request.auth)
    return _line(item, tick)


# Needs assessment -------------------------------------------------------------------------------


class AnswerOut(Schema):
    text: str
    answered_at: dt.datetime
    answered_by_id: int | None


class QuestionOut(Schema):
    id: int
    text: str
    hint: str
    position: int
    answer: AnswerOut | None


class QuestionSetOut(Schema):
    id: int
    name: str
    stage_id: int | None
    description: str
    questions: list[QuestionOut]
    is_answered: bool
    is_confirmed: bool
    confirmed_at: dt.datetime | None
    confirmed_by_id: int | None


class QuestionSetList(Schema):
    items: list[QuestionSetOut]
    count: int


class AnswerIn(InputSchema):
    question_id: int
    text: str = Field(min_length=1, description="What the customer said.")


class AnswerRecordedOut(AnswerOut):
    id: int
    question_id: int
    question_set_id: int = Field(alias="question.question_set_id")


class ConfirmIn(InputSchema):
    question_set_id: int


class AssessmentOut(Schema):
    question_set_id: int
    confirmed_at: dt.datetime | None
    confirmed_by_id: int | None


def _question_sets(deal: Deal) -> list[dict[str, Any]]:
    """The active question sets of the deal's pipeline (and those of no stage) with the deal's
    answers and confirmations: four queries, whatever the number of sets and questions."""
    questions = Question.objects.filter(is_active=True).order_by("position", "pk")
    sets = (
        QuestionSet.objects.filter(is_active=True)
        .filter(Q(stage__isnull=True) | Q(stage__pipeline_id=deal.pipeline_id))
        .select_related("stage")
        .prefetch_related(Prefetch("questions", queryset=questions))
        .order_by("stage__position", "name", "pk")
    )
    answers = {answer.question_id: answer for answer in DealAnswer.objects.filter(deal=deal)}
    assessments = {row.question_set_id: row for row in DealAssessment.objects.filter(deal=deal)}
    result = []
    for question_set in sets:
        lines = [
            {
                "id": question.pk,
                "text": question.text,
                "hint": question.hint,
                "position": question.position,
                "answer": answers.get(question.pk),
            }
            for question in question_set.questions.all()
        ]
        assessment = assessments.get(question_set.pk)
        confirmed_at = assessment.confirmed_at if assessment else None
        result.append(
            {
                "id": question_set.pk,
                "name": question_set.name,
                "stage_id": question_set.stage_id,
                "description": question_set.description,
                "questions": lines,
                "is_answered": all(line["answer"] is not None for line in lines),
                "is_confirmed": confirmed_at is not None,
                "confirmed_at": confirmed_at,
                "confirmed_by_id": assessment.confirmed_by_id if confirmed_at else None,
            }
        )
    return result


@router.get("/deals/{deal_id}/answers", response={200: QuestionSetList, **READ_ERRORS})
def answer_list(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    """The question sets of the deal's pipeline, each question with the customer's answer."""
    deal = deal_get_for_user(request.auth, deal_id)
    sets = _question_sets(deal)
    return {"items": sets, "count": len(sets)}


@router.post("/deals/{deal_id}/answers", response={200: AnswerRecordedOut, **WRITE_ERRORS})
def answer_add(request: HttpRequest, deal_id: int, payload: AnswerIn) -> Any:
    """Note (or change) the customer's answer; a change withdraws the set's confirmation."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    questions = Question.objects.select_related("question_set__stage")
    question = questions.filter(pk=payload.question_id).first()
    if question is None:
        raise ValidationError({"question_id": f"There is no question {payload.question_id}."})
    return answer_record(deal, question, text=payload.text, acting_user=request.auth)


@router.post("/deals/{deal_id}/assessment/confirm", response={200: AssessmentOut, **WRITE_ERRORS})
def assessment_confirm_by_customer(request: HttpRequest, deal_id: int, payload: ConfirmIn) -> Any:
    """The answers were played back to the customer, who confirmed them. 409 listing the
    questions while any is unanswered."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    question_set = QuestionSet.objects.filter(pk=payload.question_set_id, is_active=True).first()
    if question_set is None:
        message = f"There is no question set {payload.question_set_id}."
        raise ValidationError({"question_set_id": message})
    return assessment_confirm(deal, question_set, acting_user=request.auth)


# First meeting and next action ------------------------------------------------------------------


class FirstMeetingIn(InputSchema):
    state: StateIn = Field(description="Your judgment of the customer after the first meeting.")
    notes: str = ""


class NextActionOut(Schema):
    action: str
    guidance: str
    activity_type: str
    due_in_days: int


class FirstMeetingOut(Schema):
    id: int
    deal_id: int
    state: str
    notes: str
    recorded_at: dt.datetime
    recorded_by_id: int | None
    next_action: NextActionOut | None = Field(
        description="What to do next; POST /deals/{id}/next-action creates it as a task."
    )


@router.post("/deals/{deal_id}/first-meeting", response={201: FirstMeetingOut, **WRITE_ERRORS})
def first_meeting_add(request: HttpRequest, deal_id: int, payload: FirstMeetingIn) -> Status[Any]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    meeting = first_meeting_record(
        deal, state=payload.state, notes=payload.notes, acting_user=request.auth
    )
    meeting.next_action = next_action_for(deal)
    return Status(201, meeting)


@router.post("/deals/{deal_id}/next-action", response={201: ActivityOut, **WRITE_ERRORS})
def next_action_add(request: HttpRequest, deal_id: int) -> Status[Any]:
    """Create the recommended next step for the customer's state as an activity of the deal."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    return Status(201, next_action_create_task(deal, acting_user=request.auth))


# Objections -------------------------------------------------------------------------------------


class LibraryResponseOut(Schema):
    id: int
    category: str
    title: str
    response: str
    is_active: bool
    created_by_id: int | None


class ObjectionOut(Schema):
    id: int
    deal_id: int
    category: str
    customer_words: str
    stage_id: int
    stage_name: str = Field(alias="stage.name")
    status: str
    response_given: str
    library_response_id: int | None
    logged_at: dt.datetime
    logged_by_id: int | None
    answered_at: dt.datetime | None
    answered_by_id: int | None
    resolved_at: dt.datetime | None
    resolved_by_id: int | None


class ObjectionLoggedOut(ObjectionOut):
    suggestions: list[LibraryResponseOut] = Field(
        description="The library's answers for this category, to answer with."
    )


class ObjectionList(Schema):
    items: list[ObjectionOut]
    count: int


class ObjectionIn(InputSchema):
    category: CategoryIn
    customer_words: str = Field(min_length=1, description="What the customer said, verbatim.")


class ObjectionAnswerIn(InputSchema):
    """Your own words, a library answer, or both (without words the library text counts)."""

    response_given: str = ""
    library_response_id: int | None = None


def _objection(user: Any, objection_id: int) -> DealObjection:
    """An objection on a deal the user may change (404 unreadable, 403 read-only)."""
    objection = get_object_or_404(
        DealObjection.objects.filter(deal__in=deals_visible_to(user)).select_related(
            "deal", "stage"
        ),
        pk=objection_id,
    )
    if not policy.can_write(user, objection.deal):
        raise AccessDenied("You may see this deal but not change it.")
    return objection


@router.get("/deals/{deal_id}/objections", response={200: ObjectionList, **READ_ERRORS})
def objection_list(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    deal = deal_get_for_user(request.auth, deal_id)
    rows = list(objections_of(deal))
    return {"items": rows, "count": len(rows)}


@router.post("/deals/{deal_id}/objections", response={201: ObjectionLoggedOut, **WRITE_ERRORS})
def objection_add(request: HttpRequest, deal_id: int, payload: ObjectionIn) -> Status[Any]:
    """Log an objection in the customer's words; answers it with the library's suggestions."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    objection, suggestions = objection_log(
        deal,
        category=payload.category,
        customer_words=payload.customer_words,
        acting_user=request.auth,
    )
    objection.suggestions = suggestions
    return Status(201, objection)


@router.post("/objections/{objection_id}/answer", response={200: ObjectionOut, **WRITE_ERRORS})
def objection_answer_with(
    request: HttpRequest, objection_id: int, payload: ObjectionAnswerIn
) -> Any:
    objection = _objection(request.auth, objection_id)
    library_response = None
    if payload.library_response_id is not None:
        library_response = LibraryResponse.objects.filter(
            pk=payload.library_response_id, is_active=True
        ).first()
        if library_response is None:
            message = f"There is no current library answer {payload.library_response_id}."
            raise ValidationError({"library_response_id": message})
    return objection_answer(
        objection,
        response_given=payload.response_given,
        library_response=library_response,
        acting_user=request.auth,
    )


@router.post("/objections/{objection_id}/resolve", response={200: ObjectionOut, **WRITE_ERRORS})
def objection_resolve_now(request: HttpRequest, objection_id: int) -> Any:
    """The customer accepted the answer (or dropped the point)."""
    return objection_resolve(_objection(request.auth, objection_id), acting_user=request.auth)


# The objection library --------------------------------------------------------------------------


class LibraryEntryOut(LibraryResponseOut):
    deals_won: int = Field(description="Closed deals it was used on before they were won.")
    deals_lost: int
    win_rate: float | None = Field(description="won / (won + lost); null before any.")


class LibraryEntryList(Schema):
    items: list[LibraryEntryOut]
    count: int


class LibraryQuery(Schema):
    category: CategoryIn | None = None
    active: bool = Field(True, description="false: the retired answers.")


class LibraryIn(InputSchema):
    category: CategoryIn
    title: str = Field(min_length=1, max_length=200)
    response: str = Field(min_length=1)


class LibraryPatch(PatchSchema):
    category: CategoryIn = Field(None)
    title: str = Field(None, min_length=1, max_length=200)
    response: str = Field(None, min_length=1)
    is_active: bool = Field(None, description="false retires the answer; its uses stay.")


def _library_entry(pk: int) -> Any:
    return library_response_win_rates().get(pk=pk)


@router.get("/objection-library", response={200: LibraryEntryList, **READ_ERRORS})
def library_list(request: HttpRequest, query: Query[LibraryQuery]) -> dict[str, Any]:
    """Proven answers to recurring objections, with how often deals they were used on won."""
    entries = library_response_win_rates().filter(is_active=query.active)
    if query.category:
        entries = entries.filter(category=query.category)
    rows = list(entries)
    return {"items": rows, "count": len(rows)}


@router.post(
    "/objection-library", response={201: LibraryEntryOut, **WRITE_ERRORS}, auth=MANAGER_ONLY
)
def library_add(request: HttpRequest, payload: LibraryIn) -> Status[Any]:
    """Managers and admins."""
    entry = library_response_create(acting_user=request.auth, **payload.model_dump())
    return Status(201, _library_entry(entry.pk))


@router.patch(
    "/objection-library/{response_id}",
    response={200: LibraryEntryOut, **WRITE_ERRORS},
    auth=MANAGER_ONLY,
)
def library_change(request: HttpRequest, response_id: int, payload: LibraryPatch) -> Any:
    """Managers and admins."""
    entry = get_object_or_404(LibraryResponse, pk=response_id)
    library_response_update(
        entry, acting_user=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return _library_entry(entry.pk)
