"""Needs assessment: scripted open questions, answers per deal, played back and confirmed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.pipeline.criteria import deal_missing_criteria
from salesflow.playbooks.configuration import question_add, question_set_create, question_update
from salesflow.playbooks.models import QuestionSet
from salesflow.playbooks.selectors import assessment_for_deal, question_sets_for_stage
from salesflow.playbooks.services import answer_record, assessment_confirm
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db

DOMAIN_QUESTIONS = [
    "What do you like (and dislike) about your previous suppliers?",
    "What business problems do you want us to solve?",
    "Describe your present situation.",
    "What will happen when you solve the current business problems?",
]


@pytest.fixture
def stage():
    return stage_named("Needs assessment")


@pytest.fixture
def question_set(stage):
    return question_sets_for_stage(stage).get()


@pytest.fixture
def deal(rep, stage):
    return DealFactory(owner=rep, stage=stage)


def answer_all(deal, question_set, user):
    for question in question_set.questions.order_by("position"):
        answer_record(deal, question, text=f"Answer to {question.pk}", acting_user=user)


def test_the_default_question_set_asks_the_domain_s_open_questions(question_set):
    texts = list(question_set.questions.order_by("position").values_list("text", flat=True))
    assert texts == DOMAIN_QUESTIONS


def test_answers_are_recorded_per_deal_and_shown_with_their_questions(rep, deal, question_set):
    first = question_set.questions.order_by("position").first()
    answer = answer_record(deal, first, text="  Slow deliveries annoyed us  ", acting_user=rep)
    assert (answer.text, answer.answered_by) == ("Slow deliveries annoyed us", rep)
    view = assessment_for_deal(deal, question_set)
    assert [line.answer is not None for line in view.lines] == [True, False, False, False]
    assert not view.is_answered and not view.is_confirmed


def test_an_empty_answer_is_refused(rep, deal, question_set):
    with pytest.raises(ValidationError) as exc:
        answer_record(deal, question_set.questions.first(), text="  ", acting_user=rep)
    assert "text" in exc.value.message_dict


def test_confirming_is_refused_while_answers_are_missing(rep, deal, question_set):
    questions = list(question_set.questions.order_by("position"))
    answer_record(deal, questions[0], text="Fine", acting_user=rep)
    with pytest.raises(DomainError) as exc:
        assessment_confirm(deal, question_set, acting_user=rep)
    assert [m["message"] for m in exc.value.missing] == DOMAIN_QUESTIONS[1:]
    assert not deal.assessments.filter(confirmed_at__isnull=False).exists()


def test_answered_and_confirmed_the_assessment_lets_the_deal_leave_the_stage(
    rep, deal, question_set, stage
):
    missing = deal_missing_criteria(deal, leaving=stage)
    assert [m.code for m in missing] == [
        *(f"assessment_answered:{q.pk}" for q in question_set.questions.order_by("position")),
        f"assessment_confirmed:{question_set.pk}",
    ]
    answer_all(deal, question_set, rep)
    assert [m.code for m in deal_missing_criteria(deal, leaving=stage)] == [
        f"assessment_confirmed:{question_set.pk}"
    ]
    confirmed = assessment_confirm(deal, question_set, acting_user=rep)
    assert confirmed.confirmed_by == rep and confirmed.is_confirmed
    assert deal_missing_criteria(deal, leaving=stage) == []


def test_changing_an_answer_after_confirmation_needs_a_new_confirmation(
    rep, deal, question_set, stage
):
    answer_all(deal, question_set, rep)
    assessment_confirm(deal, question_set, acting_user=rep)
    first = question_set.questions.order_by("position").first()
    answer_record(deal, first, text=f"Answer to {first.pk}", acting_user=rep)  # unchanged
    assert assessment_for_deal(deal, question_set).is_confirmed
    answer_record(deal, first, text="They changed their mind", acting_user=rep)
    assert not assessment_for_deal(deal, question_set).is_confirmed
    assert deal_missing_criteria(deal, leaving=stage)[0].code.startswith("assessment_confirmed")


def test_an_outsider_cannot_answer_or_confirm(rep, outsider, stage, question_set):
    deal = DealFactory(owner=rep, stage=stage, visibility="everyone")
    with pytest.raises(AccessDenied):
        answer_record(deal, question_set.questions.first(), text="x", acting_user=outsider)
    with pytest.raises(AccessDenied):
        assessment_confirm(deal, question_set, acting_user=outsider)
    assert not deal.answers.exists()


def test_a_retired_question_is_neither_asked_nor_required(rep, admin_user, deal, question_set):
    extra = question_add(question_set, text="Who else is involved?", acting_user=admin_user)
    answer_all(deal, question_set, rep)
    question_update(extra, is_active=False, acting_user=admin_user)
    with pytest.raises(ValidationError):
        answer_record(deal, extra, text="Late", acting_user=rep)
    assert assessment_confirm(deal, question_set, acting_user=rep).is_confirmed


def test_only_an_admin_defines_question_sets(manager, admin_user, stage):
    with pytest.raises(AccessDenied):
        question_set_create(name="Mine", questions=["Why?"], acting_user=manager)
    created = question_set_create(
        name="Discovery call",
        stage=stage,
        questions=["Why now?", "Who decides?"],
        acting_user=admin_user,
    )
    assert [q.text for q in created.questions.order_by("position")] == ["Why now?", "Who decides?"]
    assert QuestionSet.objects.filter(stage=stage).count() == 2
