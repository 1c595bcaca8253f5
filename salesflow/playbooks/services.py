"""A rep's playbook work on a deal: checklist ticks, assessment answers, the first-meeting
judgment and its next action, objections. Each write needs write access to the deal.

The admin side (checklists, question sets, rules, the objection library) is in
`salesflow.playbooks.configuration`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.services import activity_create
from salesflow.core.errors import DomainError
from salesflow.pipeline.models import Deal
from salesflow.playbooks.models import (
    ChecklistItem,
    CustomerState,
    DealAnswer,
    DealAssessment,
    DealChecklistTick,
    DealObjection,
    FirstMeeting,
    LibraryResponse,
    ObjectionCategory,
    ObjectionStatus,
    Question,
    QuestionSet,
)
from salesflow.playbooks.selectors import (
    first_meeting_latest,
    library_responses_for,
    next_action_for,
    questions_unanswered,
)
from salesflow.users.services import record_require_write


def _same_pipeline(deal: Deal, stage_pipeline_id: int | None, field: str) -> None:
    if stage_pipeline_id is not None and stage_pipeline_id != deal.pipeline_id:
        raise ValidationError({field: "This belongs to another pipeline than the deal's."})


@transaction.atomic
def checklist_tick(
    deal: Deal,
    item: ChecklistItem,
    *,
    acting_user: Any,
    ticked: bool = True,
    at: dt.datetime | None = None,
) -> DealChecklistTick | None:
    """Tick (or untick, `ticked=False`) a checklist item on the deal; returns the tick."""
    record_require_write(acting_user, deal)
    _same_pipeline(deal, item.stage.pipeline_id, "item")
    if not ticked:
        DealChecklistTick.objects.filter(deal=deal, item=item).delete()
        return None
    if not item.is_active:
        raise ValidationError({"item": "This checklist item was retired."})
    tick, _ = DealChecklistTick.objects.get_or_create(
        deal=deal,
        item=item,
        defaults={"ticked_by": acting_user, "ticked_at": at or timezone.now()},
    )
    return tick


@transaction.atomic
def answer_record(
    deal: Deal,
    question: Question,
    *,
    text: str,
    acting_user: Any,
    at: dt.datetime | None = None,
) -> DealAnswer:
    """Note the customer's answer. Changing an answer after the customer confirmed the set
    withdraws the confirmation: play it back again."""
    record_require_write(acting_user, deal)
    question_set = question.question_set
    if not (question.is_active and question_set.is_active):
        raise ValidationError({"question": "This question was retired."})
    _same_pipeline(deal, question_set.stage.pipeline_id if question_set.stage else None, "question")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write down what the customer said."})
    at = at or timezone.now()
    answer = DealAnswer.objects.select_for_update().filter(deal=deal, question=question).first()
    if answer is not None and answer.text == text:
        return answer
    if answer is None:
        answer = DealAnswer(deal=deal, question=question)
    answer.text, answer.answered_by, answer.answered_at = text, acting_user, at
    answer.full_clean()
    answer.save()
    DealAssessment.objects.filter(
        deal=deal, question_set=question_set, confirmed_at__isnull=False
    ).update(confirmed_at=None, confirmed_by=None)
    return answer


@transaction.atomic
def assessment_confirm(
    deal: Deal,
    question_set: QuestionSet,
    *,
    acting_user: Any,
    at: dt.datetime | None = None,
) -> DealAssessment:
    """Mark the answers as played back to the customer and confirmed by them.

    Refused (DomainError listing the questions) while any active question is unanswered.
    """
    record_require_write(acting_user, deal)
    unanswered = questions_unanswered(deal, question_set)
    if unanswered:
        raise DomainError(
            "Answer every question before you play the answers back.",
            missing=[
                {"code": f"assessment_answered:{question.pk}", "message": question.text}
                for question in unanswered
            ],
        )
    assessment, _ = DealAssessment.objects.get_or_create(deal=deal, question_set=question_set)
    assessment.confirmed_at = at or timezone.now()
    assessment.confirmed_by = acting_user
    assessment.save(update_fields=["confirmed_at", "confirmed_by"])
    return assessment


@transaction.atomic
def first_meeting_record(
    deal: Deal,
    *,
    state: str,
    acting_user: Any,
    notes: str = "",
    at: dt.datetime | None = None,
) -> FirstMeeting:
    """Record the judgment after meeting the customer: no demand, preliminary demand, clear
    demand or evaluating competitors. The latest record is the deal's customer state."""
    record_require_write(acting_user, deal)
    if state not in CustomerState.values:
        raise ValidationError({"state": "Choose what you judged the customer's state to be."})
    meeting = FirstMeeting(
        deal=deal,
        state=state,
        notes=notes.strip(),
        recorded_by=acting_user,
        recorded_at=at or timezone.now(),
    )
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def next_action_create_task(
    deal: Deal, *, acting_user: Any, at: dt.datetime | None = None
) -> Activity:
    """Create the recommended next step for the deal's customer state as an activity, in one
    call: the rule's action as the subject, due in the rule's number of days, for the deal's
    owner."""
    record_require_write(acting_user, deal)
    meeting = first_meeting_latest(deal)
    if meeting is None:
        message = "Record your first-meeting judgment of the customer first."
        raise DomainError(message, missing=[{"code": "first_meeting", "message": message}])
    rule = next_action_for(deal)
    if rule is None:
        message = f"No next action is set up for “{meeting.get_state_display()}”; ask an admin."
        raise DomainError(message, missing=[{"code": "next_action_rule", "message": message}])
    at = at or timezone.now()
    return activity_create(
        acting_user=acting_user,
        type=rule.activity_type,
        subject=rule.action,
        body=rule.guidance,
        due_at=at + dt.timedelta(days=rule.due_in_days),
        deal=deal,
        owner=deal.owner or acting_user,
    )


class LoggedObjection(NamedTuple):
    objection: DealObjection
    suggestions: list[LibraryResponse]


@transaction.atomic
def objection_log(
    deal: Deal,
    *,
    category: str,
    customer_words: str,
    acting_user: Any,
    at: dt.datetime | None = None,
) -> LoggedObjection:
    """Record an objection in the customer's words; returns it with the library's answers for
    its category, to choose from."""
    record_require_write(acting_user, deal)
    if category not in ObjectionCategory.values:
        raise ValidationError({"category": "Choose what kind of objection this is."})
    customer_words = customer_words.strip()
    if not customer_words:
        raise ValidationError({"customer_words": "Write down what the customer said."})
    objection = DealObjection(
        deal=deal,
        category=category,
        customer_words=customer_words,
        stage=deal.stage,
        logged_by=acting_user,
        logged_at=at or timezone.now(),
    )
    objection.full_clean()
    objection.save()
    return LoggedObjection(objection, list(library_responses_for(category)))


# Library answers mark the places to fill in with "…" (or "..."): never stored as said.
PLACEHOLDER_MARKERS = ("…", "...")


def placeholder_in(text: str) -> str:
    """The placeholder marker still in `text`, or ""."""
    return next((marker for marker in PLACEHOLDER_MARKERS if marker in text), "")


@transaction.atomic
def objection_answer(
    objection: DealObjection,
    *,
    acting_user: Any,
    response_given: str = "",
    library_response: LibraryResponse | None = None,
    at: dt.datetime | None = None,
) -> DealObjection:
    """Record how the objection was answered; using a library answer is remembered, so the
    team learns which answers precede won deals. Without own words, the library text counts."""
    record_require_write(acting_user, objection.deal)
    if objection.status == ObjectionStatus.RESOLVED:
        raise ValidationError({"status": "This objection is already resolved."})
    if library_response is not None and not library_response.is_active:
        raise ValidationError({"library_response": "This library answer was retired."})
    response_given = response_given.strip() or (
        library_response.response if library_response else ""
    )
    if not response_given:
        raise ValidationError({"response_given": "Write down how you answered."})
    marker = placeholder_in(response_given)
    if marker:
        raise ValidationError(
            {
                "response_given": f"Replace the placeholder “{marker}” with what this customer "
                "told you before saving the answer."
            }
        )
    objection.status = ObjectionStatus.ANSWERED
    objection.response_given = response_given
    objection.library_response = library_response
    objection.answered_by = acting_user
    objection.answered_at = at or timezone.now()
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def objection_resolve(
    objection: DealObjection, *, acting_user: Any, at: dt.datetime | None = None
) -> DealObjection:
    """The customer accepts the answer (or drops the point): the objection is settled."""
    record_require_write(acting_user, objection.deal)
    if objection.status == ObjectionStatus.RESOLVED:
        raise ValidationError({"status": "This objection is already resolved."})
    objection.status = ObjectionStatus.RESOLVED
    objection.resolved_by = acting_user
    objection.resolved_at = at or timezone.now()
    objection.full_clean()
    objection.save()
    return objection
