"""The exit criteria the playbooks app provides; registered from PlaybooksConfig.ready()."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from salesflow.pipeline.criteria import Missing, criterion_register
from salesflow.pipeline.models import Deal, StageRequirement
from salesflow.playbooks.models import (
    ObjectionStatus,
    Question,
    QuestionSet,
)
from salesflow.playbooks.selectors import checklist_for_deal, deal_objection_rows


def checklist(deal: Deal, requirement: StageRequirement) -> list[Missing]:
    """Every active checklist item of the requirement's stage is ticked on the deal."""
    own_stage = requirement.stage_id == deal.stage_id  # read once per deal page (page_memo)
    lines = (
        checklist_for_deal(deal) if own_stage else checklist_for_deal(deal, stage=requirement.stage)
    )
    return [
        Missing(f"checklist:{line.item.pk}", f"Tick “{line.item.label}” on the checklist.")
        for line in lines
        if not line.is_ticked
    ]


def _question_sets(requirement: StageRequirement) -> list[QuestionSet]:
    sets = QuestionSet.objects.filter(is_active=True)
    if requirement.params.get("question_set"):
        return list(sets.filter(pk=requirement.params["question_set"]))
    return list(sets.filter(stage_id=requirement.stage_id).order_by("name", "pk"))


def assessment_answered(deal: Deal, requirement: StageRequirement) -> list[Missing]:
    """Every active question of the stage's question sets answered, and the answers confirmed
    by the customer (played back). A stage without questions has nothing to answer."""
    missing = []
    for question_set in _question_sets(requirement):
        unanswered = (
            Question.objects.filter(question_set=question_set, is_active=True)
            .exclude(answers__deal=deal)
            .order_by("position", "pk")
        )
        missing += [
            Missing(f"assessment_answered:{question.pk}", f"Ask and note: “{question.text}”")
            for question in unanswered
        ]
        confirmed = question_set.assessments.filter(deal=deal, confirmed_at__isnull=False)
        if not confirmed.exists():
            missing.append(
                Missing(
                    f"assessment_confirmed:{question_set.pk}",
                    f"Play the answers to “{question_set.name}” back to the customer "
                    "and mark them confirmed.",
                )
            )
    return missing


def no_open_objection(deal: Deal, requirement: StageRequirement) -> list[Missing]:
    objections = [row for row in deal_objection_rows(deal) if row.status == ObjectionStatus.OPEN]
    return [
        Missing(
            f"no_open_objection:{objection.pk}",
            f"Answer the {objection.get_category_display().lower()} objection: "
            f"“{_short(objection.customer_words)}”",
        )
        for objection in objections
    ]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _question_set_check(params: dict) -> None:
    value = params.get("question_set")
    if value is None:
        return
    if not (isinstance(value, int) and QuestionSet.objects.filter(pk=value).exists()):
        raise ValidationError({"params": "Name an existing question set, or none."})


def criteria_register() -> None:
    criterion_register("checklist", "The stage's checklist is done", checklist)
    criterion_register(
        "assessment_answered",
        "The needs assessment is answered and confirmed",
        assessment_answered,
        params_check=_question_set_check,
    )
    criterion_register("no_open_objection", "No objection is left unanswered", no_open_objection)
