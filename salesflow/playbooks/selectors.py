"""Reads of playbook data: a deal's checklist and assessment, next action, objections, and the
objection library with its win rates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf

from salesflow.core.panels import page_memo
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
    """The active checklist of the deal's stage (or `stage`), with the deal's ticks. 2 queries
    (1 when the stage has none); the deal's own stage's once per deal page (`page_memo`)."""
    if stage is None:
        return page_memo(deal, "checklist", lambda: _checklist_of(deal, deal.stage_id))
    return _checklist_of(deal, stage.pk)


def _checklist_of(deal: Deal, stage_id: int) -> list[ChecklistLine]:
    items = list(
        ChecklistItem.objects.filter(stage_id=stage_id, is_active=True).order_by("position", "pk")
    )
    if not items:  # no checklist for the stage: no ticks to look for
        return []
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
    return assessments_for_deal(deal, [question_set])[0]


def first_meeting_latest(deal: Deal) -> FirstMeeting | None:
    """The latest first-meeting judgment: the deal's current customer state (read once per
    deal page, `page_memo`)."""
    return page_memo(
        deal, "first_meeting", lambda: deal.first_meetings.order_by("-recorded_at", "-pk").first()
    )


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


def deal_objection_rows(deal: Deal) -> list[DealObjection]:
    """`objections_of` as a list, read once per deal page (`page_memo`): the objections panel
    and the "no open objection" exit criterion both need them."""
    return page_memo(deal, "objections", lambda: list(objections_of(deal)))


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


def question_sets_for_deal(deal: Deal) -> list[QuestionSet]:
    """The question sets of the deal's needs assessment: its stage's own active sets, else every
    active set of its pipeline's stages (the Needs assessment stage in the default process).
    One query: both kinds are read, and chosen here."""
    sets = QuestionSet.objects.filter(is_active=True).select_related("stage")
    rows = list(
        sets.filter(
            Q(stage_id=deal.stage_id)
            | Q(stage__pipeline_id=deal.pipeline_id, stage__archived_at__isnull=True)
        )
    )
    own = [row for row in rows if row.stage_id == deal.stage_id]
    if own:
        return sorted(own, key=lambda row: (row.name, row.pk))
    return sorted(rows, key=lambda row: (row.stage.position, row.name, row.pk))


def assessments_for_deal(deal: Deal, question_sets: list[QuestionSet]) -> list[AssessmentView]:
    """Per set: its active questions with the deal's answers, and whether the customer
    confirmed. Three queries, whatever the number of sets."""
    if not question_sets:
        return []
    set_ids = [question_set.pk for question_set in question_sets]
    questions: dict[int, list[Question]] = {}
    rows = Question.objects.filter(question_set_id__in=set_ids, is_active=True)
    for question in rows.order_by("position", "pk"):
        questions.setdefault(question.question_set_id, []).append(question)
    answers = {
        answer.question_id: answer
        for answer in DealAnswer.objects.filter(deal=deal, question__question_set_id__in=set_ids)
    }
    assessments = {
        row.question_set_id: row
        for row in DealAssessment.objects.filter(deal=deal, question_set_id__in=set_ids)
        .select_related("confirmed_by")
        .order_by("-pk")
    }
    return [
        AssessmentView(
            question_set,
            [
                AssessmentLine(question, answers.get(question.pk))
                for question in questions.get(question_set.pk, [])
            ],
            assessments.get(question_set.pk),
        )
        for question_set in question_sets
    ]


def library_responses_active() -> QuerySet[LibraryResponse]:
    """The whole active library, for pages that group it by category themselves."""
    return LibraryResponse.objects.filter(is_active=True).order_by("category", "title", "pk")
