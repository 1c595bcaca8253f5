"""Reads of playbook data: a deal's checklist and assessment, next action, objections, and the
objection library with its win rates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from salesflow.core.panels import page_config, page_memo
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


# "Is there any?" looks the deal page adds to its read of the deal (`Panel.annotate`): a deal
# with no first meeting, answers, confirmation or ticks costs no query for them.
def _none_read(deal: Deal, name: str) -> bool:
    """Whether the deal's page read found no rows (its annotation `name` is False)."""
    return deal.__dict__.get(name) is False


def first_meeting_any() -> dict[str, Any]:
    return {"first_meetings_exist": Exists(FirstMeeting.objects.filter(deal=OuterRef("pk")))}


def assessment_any() -> dict[str, Any]:
    counted = (
        DealAssessment.objects.filter(deal=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return {
        "deal_answers_exist": Exists(DealAnswer.objects.filter(deal=OuterRef("pk"))),
        "deal_assessment_count": Coalesce(Subquery(counted), Value(0)),
    }


def checklist_ticks_any() -> dict[str, Any]:
    return {"checklist_ticks_exist": Exists(DealChecklistTick.objects.filter(deal=OuterRef("pk")))}


def checklist_for_deal(deal: Deal, *, stage: Stage | None = None) -> list[ChecklistLine]:
    """The active checklist of the deal's stage (or `stage`), with the deal's ticks. 2 queries
    (1 when the stage has none); the deal's own stage's once per deal page (`page_memo`), and on
    a deal page the items from the configuration cache (`page_config`)."""
    if stage is None:
        return page_memo(deal, "checklist", lambda: _checklist_of(deal, deal.stage_id))
    return _checklist_of(deal, stage.pk)


def _checklist_of(deal: Deal, stage_id: int) -> list[ChecklistLine]:
    items = page_config(
        deal,
        ("checklist_items", stage_id),
        lambda: list(
            ChecklistItem.objects.filter(stage_id=stage_id, is_active=True).order_by(
                "position", "pk"
            )
        ),
    )
    if not items:  # no checklist for the stage: no ticks to look for
        return []
    if _none_read(deal, "checklist_ticks_exist"):
        return [ChecklistLine(item, None) for item in items]
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
        deal,
        "first_meeting",
        lambda: (
            None
            if _none_read(deal, "first_meetings_exist")
            else deal.first_meetings.select_related("recorded_by")
            .order_by("-recorded_at", "-pk")
            .first()
        ),
    )


def next_action_for(deal: Deal) -> NextActionRule | None:
    """The active rule for the deal's customer state, or None (no judgment, or no rule)."""
    meeting = first_meeting_latest(deal)
    if meeting is None:
        return None
    state = meeting.state
    return page_config(
        deal,
        ("next_action", state),
        lambda: NextActionRule.objects.filter(state=state, is_active=True).first(),
    )


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
    One query (none on a deal page while the configuration cache holds it): both kinds are read,
    and chosen here."""
    stage_id, pipeline_id = deal.stage_id, deal.pipeline_id
    sets = QuestionSet.objects.filter(is_active=True).select_related("stage")
    rows = page_config(
        deal,
        ("question_sets", stage_id, pipeline_id),
        lambda: list(
            sets.filter(
                Q(stage_id=stage_id)
                | Q(stage__pipeline_id=pipeline_id, stage__archived_at__isnull=True)
            )
        ),
    )
    own = [row for row in rows if row.stage_id == deal.stage_id]
    if own:
        return sorted(own, key=lambda row: (row.name, row.pk))
    return sorted(rows, key=lambda row: (row.stage.position, row.name, row.pk))


def _assessments_read(deal: Deal, set_ids: list[int]) -> dict[int, DealAssessment]:
    return {
        row.question_set_id: row
        for row in DealAssessment.objects.filter(deal=deal, question_set_id__in=set_ids)
        .select_related("confirmed_by")
        .order_by("-pk")
    }


def _answers_and_assessments(
    deal: Deal, set_ids: list[int]
) -> tuple[dict[int, DealAnswer], dict[int, DealAssessment]]:
    """The deal's answers (by question) and confirmations (by set) of the sets.

    On the deal page, whose read of the deal counted them (`assessment_any`): none read when
    there are none, and else in ONE query: each answer brings its set's confirmation (and who
    confirmed) by correlated subqueries on the (deal, set) key; only when the deal has more
    confirmations than the answers brought (a set confirmed without any answer) are they read
    apart. Elsewhere: two plain queries."""
    count = deal.__dict__.get("deal_assessment_count")
    answers_none = _none_read(deal, "deal_answers_exist")
    if count is None or answers_none:
        rows = DealAnswer.objects.filter(deal=deal, question__question_set_id__in=set_ids)
        answers = {} if answers_none else {answer.question_id: answer for answer in rows}
        return answers, (_assessments_read(deal, set_ids) if count != 0 else {})
    own = DealAssessment.objects.filter(
        deal_id=OuterRef("deal_id"), question_set_id=OuterRef("question__question_set_id")
    )

    def column(name: str) -> Subquery:
        return Subquery(own.values(name)[:1])

    rows = DealAnswer.objects.filter(deal=deal, question__question_set_id__in=set_ids).annotate(
        set_id=F("question__question_set_id"),
        assessment_pk=column("pk"),
        assessment_confirmed_at=column("confirmed_at"),
        assessment_confirmed_by=column("confirmed_by_id"),
        confirmer_first_name=column("confirmed_by__first_name"),
        confirmer_last_name=column("confirmed_by__last_name"),
        confirmer_username=column("confirmed_by__username"),
    )
    answers: dict[int, DealAnswer] = {}
    assessments: dict[int, DealAssessment] = {}
    user_model = DealAssessment.confirmed_by.field.related_model
    for row in rows:
        answers[row.question_id] = row
        if row.assessment_pk is None or row.set_id in assessments:
            continue
        assessment = DealAssessment(
            pk=row.assessment_pk,
            deal_id=deal.pk,
            question_set_id=row.set_id,
            confirmed_at=row.assessment_confirmed_at,
            confirmed_by_id=row.assessment_confirmed_by,
        )
        assessment._state.adding, assessment._state.db = False, rows.db
        confirmer = None
        if row.assessment_confirmed_by is not None:  # enough of the user to name them
            confirmer = user_model(
                pk=row.assessment_confirmed_by,
                first_name=row.confirmer_first_name or "",
                last_name=row.confirmer_last_name or "",
                username=row.confirmer_username or "",
            )
        DealAssessment.confirmed_by.field.set_cached_value(assessment, confirmer)
        assessments[row.set_id] = assessment
    if len(assessments) < count:  # a confirmation the answers did not bring
        assessments = _assessments_read(deal, set_ids)
    return answers, assessments


def assessments_for_deal(deal: Deal, question_sets: list[QuestionSet]) -> list[AssessmentView]:
    """Per set: its active questions with the deal's answers, and whether the customer
    confirmed. Three queries, whatever the number of sets (two on a deal page while the
    configuration cache holds the questions)."""
    if not question_sets:
        return []
    set_ids = [question_set.pk for question_set in question_sets]

    def read_questions() -> dict[int, list[Question]]:
        questions: dict[int, list[Question]] = {}
        rows = Question.objects.filter(question_set_id__in=set_ids, is_active=True)
        for question in rows.order_by("position", "pk"):
            questions.setdefault(question.question_set_id, []).append(question)
        return questions

    questions = page_config(deal, ("questions", tuple(set_ids)), read_questions)
    answers, assessments = _answers_and_assessments(deal, set_ids)
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


def deal_library_responses(deal: Deal) -> list[LibraryResponse]:
    """`library_responses_active` on a deal page, from the configuration cache."""
    return page_config(deal, "library_responses", lambda: list(library_responses_active()))
