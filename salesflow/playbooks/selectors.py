"""Reads of playbook data: a deal's checklist and assessment, next action, objections, and the
objection library with its win rates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf

from salesflow.pipeline.models import WON_OUTCOMES, Deal, Outcome, Stage
from salesflow.playbooks.models import (
    ChecklistItem,
    DealAnswer,
    DealAssessment,
    DealChecklistTick,
    DealObjection,
    FirstMeeting,
    LibraryResponse,
    NextActionRule,
    Question,
    QuestionSet,
)


@dataclass(frozen=True)
class ChecklistLine:
    item: ChecklistItem
    tick: DealChecklistTick | None

    @property
    def is_ticked(self) -> bool:
        return self.tick is not None


def checklist_for_deal(deal: Deal, *, stage: Stage | None = None) -> list[ChecklistLine]:
    """The active checklist of the deal's stage (or `stage`), with the deal's ticks. 2 queries."""
    stage_id = stage.pk if stage is not None else deal.stage_id
    items = ChecklistItem.objects.filter(stage_id=stage_id, is_active=True).order_by(
        "position", "pk"
    )
    ticks = {
        tick.item_id: tick
        for tick in DealChecklistTick.objects.filter(
            deal=deal, item__stage_id=stage_id
        ).select_related("ticked_by")
    }
    return [ChecklistLine(item, ticks.get(item.pk)) for item in items]


def question_sets_for_stage(stage: Stage) -> QuerySet[QuestionSet]:
    return QuestionSet.objects.filter(stage=stage, is_active=True).order_by("name", "pk")


def questions_unanswered(deal: Deal, question_set: QuestionSet) -> list[Question]:
    return list(
        Question.objects.filter(question_set=question_set, is_active=True)
        .exclude(answers__deal=deal)
        .order_by("position", "pk")
    )


@dataclass(frozen=True)
class AssessmentLine:
    question: Question
    answer: DealAnswer | None


@dataclass(frozen=True)
class AssessmentView:
    question_set: QuestionSet
    lines: list[AssessmentLine]
    assessment: DealAssessment | None

    @property
    def is_answered(self) -> bool:
        return all(line.answer is not None for line in self.lines)

    @property
    def is_confirmed(self) -> bool:
        return self.assessment is not None and self.assessment.is_confirmed


def assessment_for_deal(deal: Deal, question_set: QuestionSet) -> AssessmentView:
    """The questions of the set with the deal's answers, and whether the customer confirmed."""
    questions = Question.objects.filter(question_set=question_set, is_active=True).order_by(
        "position", "pk"
    )
    answers = {
        answer.question_id: answer
        for answer in DealAnswer.objects.filter(deal=deal, question__question_set=question_set)
    }
    assessment = (
        DealAssessment.objects.filter(deal=deal, question_set=question_set)
        .select_related("confirmed_by")
        .first()
    )
    lines = [AssessmentLine(question, answers.get(question.pk)) for question in questions]
    return AssessmentView(question_set, lines, assessment)


def first_meeting_latest(deal: Deal) -> FirstMeeting | None:
    """The latest first-meeting judgment: the deal's current customer state."""
    return deal.first_meetings.order_by("-recorded_at", "-pk").first()


def next_action_for(deal: Deal) -> NextActionRule | None:
    """The active rule for the deal's customer state, or None (no judgment, or no rule)."""
    meeting = first_meeting_latest(deal)
    if meeting is None:
        return None
    return NextActionRule.objects.filter(state=meeting.state, is_active=True).first()


def next_action_rules() -> QuerySet[NextActionRule]:
    return NextActionRule.objects.filter(is_active=True).order_by("state")


def library_responses_for(category: str) -> QuerySet[LibraryResponse]:
    """The shared library's active answers for an objection category."""
    return LibraryResponse.objects.filter(category=category, is_active=True).order_by("title", "pk")


def objections_of(deal: Deal) -> QuerySet[DealObjection]:
    return deal.objections.select_related("stage", "library_response", "logged_by").order_by(
        "logged_at", "pk"
    )


def library_response_win_rates() -> QuerySet[LibraryResponse]:
    """Every library answer with, in SQL, the closed deals it was used on before they closed.

    Annotations: `deals_won` (won or upgraded), `deals_lost`, and `win_rate` (won / (won +
    lost), None before any such deal). Suspended and open deals count in neither. A deal
    where the answer was used twice counts once.
    """

    def used_before_close(*outcomes: Any) -> Q:
        return Q(
            uses__deal__outcome__in=outcomes,
            uses__answered_at__lte=F("uses__deal__closed_at"),
        )

    won = Count("uses__deal", filter=used_before_close(*WON_OUTCOMES), distinct=True)
    lost = Count("uses__deal", filter=used_before_close(Outcome.LOST), distinct=True)
    return (
        LibraryResponse.objects.annotate(deals_won=won, deals_lost=lost)
        .annotate(
            win_rate=Cast(F("deals_won"), FloatField())
            / NullIf(Cast(F("deals_won") + F("deals_lost"), FloatField()), 0.0)
        )
        .order_by("category", "title", "pk")
    )


def question_sets_for_deal(deal: Deal) -> QuerySet[QuestionSet]:
    """The question sets of the deal's needs assessment: its stage's own sets, else every active
    set of its pipeline's stages (the Needs assessment stage in the default process)."""
    sets = QuestionSet.objects.filter(is_active=True).select_related("stage")
    if sets.filter(stage_id=deal.stage_id).exists():
        return sets.filter(stage_id=deal.stage_id).order_by("name", "pk")
    return sets.filter(
        stage__pipeline_id=deal.pipeline_id, stage__archived_at__isnull=True
    ).order_by("stage__position", "name", "pk")


def library_responses_active() -> QuerySet[LibraryResponse]:
    """The whole active library, for pages that group it by category themselves."""
    return LibraryResponse.objects.filter(is_active=True).order_by("category", "title", "pk")
