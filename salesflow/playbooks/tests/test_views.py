"""The playbook panels of the deal page: checklist, needs assessment, first-meeting judgment
and next action, objections."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.pipeline.models import Pipeline, Stage
from salesflow.playbooks.models import (
    ChecklistItem,
    DealAnswer,
    DealChecklistTick,
    DealObjection,
    FirstMeeting,
    LibraryResponse,
    Question,
    QuestionSet,
)
from salesflow.playbooks.services import (
    answer_record,
    checklist_tick,
    first_meeting_record,
    objection_answer,
    objection_log,
)
from salesflow.users.models import Visibility
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ACTIONS = [
    "checklist-tick",
    "assessment-save",
    "first-meeting",
    "next-action-task",
    "objection-log",
    "objection-answer",
    "objection-resolve",
]


def url(name: str, deal) -> str:
    return reverse(f"playbooks:{name}", args=[deal.pk])


def detail(deal) -> str:
    return reverse("pipeline:deal-detail", args=[deal.pk])


@pytest.fixture
def presenting(rep):
    return DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Presentation / demo"))


@pytest.fixture
def assessing(rep):
    return DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Needs assessment"))


@pytest.fixture
def proposing(rep):
    return DealFactory(owner=rep, stage=stage_named("Proposal and objections"))


@pytest.fixture
def public_deal(outsider):
    return DealFactory(owner=outsider, visibility=Visibility.EVERYONE)


def item_named(label: str) -> ChecklistItem:
    return ChecklistItem.objects.get(label=label)


def questions() -> list[Question]:
    return list(
        Question.objects.filter(question_set__stage=stage_named("Needs assessment")).order_by(
            "position"
        )
    )


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_are_forbidden_on_a_read_only_deal(rep_client, public_deal, name):
    assert rep_client.post(url(name, public_deal), {}).status_code == 403


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_are_not_found_for_an_outsider(presenting, outsider, name):
    assert client_for(outsider).post(url(name, presenting), {}).status_code == 404


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_only_accept_post(rep_client, presenting, name):
    assert rep_client.get(url(name, presenting)).status_code == 405


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_require_signing_in(client, presenting, name):
    response = client.post(url(name, presenting), {})
    assert response.status_code == 302 and "/login/" in response["Location"]


# Checklist


def test_tick_and_untick_a_checklist_item(rep_client, rep, presenting):
    item = item_named("Agenda agreed with the customer")
    response = rep_client.post(url("checklist-tick", presenting), {"item": item.pk, "ticked": "on"})
    assert response["Location"] == detail(presenting) + "#panel-playbook"
    tick = DealChecklistTick.objects.get(deal=presenting, item=item)
    assert tick.ticked_by == rep
    rep_client.post(url("checklist-tick", presenting), {"item": item.pk})
    assert not DealChecklistTick.objects.exists()


def test_tick_answers_htmx_with_the_playbook_showing_what_is_left(rep_client, presenting):
    item = item_named("Agenda agreed with the customer")
    response = rep_client.post(
        url("checklist-tick", presenting), {"item": item.pk, "ticked": "on"}, **HTMX
    )
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="panel-playbook"')
    assert 'aria-pressed="true">Agenda agreed with the customer</button>' in content
    assert "Tick “Agenda agreed with the customer”" not in content
    assert "Tick “Decision makers invited” on the checklist." in content
    assert "Ticked “Agenda agreed with the customer”." in content


def test_tick_of_an_item_of_another_pipeline_is_refused(rep_client, presenting):
    other = Stage.objects.create(
        pipeline=Pipeline.objects.create(name="Other"), name="X", position=1, probability=5
    )
    item = ChecklistItem.objects.create(stage=other, label="Elsewhere")
    response = rep_client.post(
        url("checklist-tick", presenting), {"item": item.pk, "ticked": "on"}, follow=True
    )
    assert "not on this deal&#x27;s pipeline" in response.content.decode()
    assert not DealChecklistTick.objects.exists()


def test_tick_of_a_retired_item_is_a_message(rep_client, presenting):
    item = item_named("Agenda agreed with the customer")
    ChecklistItem.objects.filter(pk=item.pk).update(is_active=False)
    response = rep_client.post(
        url("checklist-tick", presenting), {"item": item.pk, "ticked": "on"}, follow=True
    )
    assert "This checklist item was retired." in response.content.decode()
    assert not DealChecklistTick.objects.exists()


# Needs assessment


def answers_data(question_set: QuestionSet, texts: list[str]) -> dict[str, str]:
    data = {"question_set": str(question_set.pk)}
    for question, text in zip(questions(), texts, strict=False):
        data[f"answer_{question.pk}"] = text
    return data


def test_the_assessment_panel_shows_the_stage_questions(rep_client, assessing):
    content = rep_client.get(detail(assessing)).content.decode()
    assert "Needs assessment: open questions" in content
    assert "What business problems do you want us to solve?" in content
    assert "0 of 4 answered" in content
    assert "Played back and confirmed with the customer" in content


def test_the_assessment_panel_shows_the_pipeline_s_questions_in_other_stages(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    content = rep_client.get(detail(deal)).content.decode()
    assert "What business problems do you want us to solve?" in content


def test_save_answers_records_the_typed_ones(rep_client, rep, assessing):
    question_set = questions()[0].question_set
    response = rep_client.post(
        url("assessment-save", assessing), answers_data(question_set, ["Slow support", ""])
    )
    assert response["Location"] == detail(assessing) + "#panel-assessment"
    answer = DealAnswer.objects.get()
    assert answer.question == questions()[0] and answer.text == "Slow support"
    assert answer.answered_by == rep


def test_confirm_is_refused_while_answers_are_missing(rep_client, assessing):
    question_set = questions()[0].question_set
    response = rep_client.post(
        url("assessment-save", assessing),
        {**answers_data(question_set, ["Slow support"]), "confirm": "1"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Answer every question before you play the answers back." in content
    assert "Describe your present situation." in content
    assert "Slow support" in content
    assert DealAnswer.objects.count() == 1
    assert not question_set.assessments.filter(confirmed_at__isnull=False).exists()


def test_confirm_with_every_answer_marks_the_assessment_confirmed(rep_client, rep, assessing):
    question_set = questions()[0].question_set
    response = rep_client.post(
        url("assessment-save", assessing),
        {**answers_data(question_set, ["a", "b", "c", "d"]), "confirm": "1"},
        **HTMX,
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="panel-assessment"')
    assert "Confirmed by the customer" in content
    assert "Answers confirmed by the customer." in content
    assessment = question_set.assessments.get(deal=assessing)
    assert assessment.is_confirmed and assessment.confirmed_by == rep


def test_question_set_of_another_pipeline_is_refused(rep_client, assessing):
    other = QuestionSet.objects.create(
        name="Other",
        stage=Stage.objects.create(
            pipeline=Pipeline.objects.create(name="Other"), name="X", position=1, probability=5
        ),
    )
    response = rep_client.post(
        url("assessment-save", assessing), {"question_set": other.pk}, follow=True
    )
    assert "not part of this deal&#x27;s assessment" in response.content.decode()


# First meeting and next action


def test_record_the_first_meeting_judgment_and_see_the_next_action(rep_client, rep, presenting):
    response = rep_client.post(
        url("first-meeting", presenting),
        {"meeting-state": "evaluating_competitors", "meeting-notes": "Also talks to TrackCo"},
        follow=True,
    )
    content = response.content.decode()
    assert "Customer state: evaluating competitors." in content
    assert "Build the competitive plan" in content and "Create task" in content
    meeting = FirstMeeting.objects.get()
    assert meeting.state == "evaluating_competitors" and meeting.recorded_by == rep


def test_first_meeting_without_a_state_shows_the_field_error(rep_client, presenting):
    response = rep_client.post(url("first-meeting", presenting), {"meeting-state": "bored"}, **HTMX)
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="panel-first-meeting"')
    assert "Select a valid choice" in content
    assert not FirstMeeting.objects.exists()


def test_create_task_makes_the_recommended_activity(rep_client, rep, presenting):
    first_meeting_record(presenting, state="clear_demand", acting_user=rep)
    response = rep_client.post(url("next-action-task", presenting), **HTMX)
    content = response.content.decode()
    task = Activity.objects.get(deal=presenting)
    assert task.subject == "Schedule the presentation / demo" and task.type == "demo"
    assert task.owner == rep
    assert "Task created: Schedule the presentation / demo." in content
    assert '<section id="panel-timeline"' in content  # the timeline, out of band


def test_create_task_without_a_judgment_is_a_message(rep_client, presenting):
    response = rep_client.post(url("next-action-task", presenting), follow=True)
    assert "Record your first-meeting judgment of the customer first." in (
        response.content.decode()
    )
    assert not Activity.objects.exists()


# Objections


def test_log_an_objection_then_see_the_library_responses_for_it(rep_client, proposing):
    response = rep_client.post(
        url("objection-log", proposing),
        {"objection-category": "price", "objection-customer_words": "20% above the others"},
        follow=True,
    )
    content = response.content.decode()
    objection = DealObjection.objects.get()
    assert objection.status == "open" and objection.stage.name == "Proposal and objections"
    assert "20% above the others" in content
    for response_ in LibraryResponse.objects.filter(category="price"):
        assert f"Use this response: {response_.title}" in content
    assert "Answer the price objection" in content  # what is missing to move on


def test_log_without_words_shows_the_field_error(rep_client, proposing):
    response = rep_client.post(
        url("objection-log", proposing),
        {"objection-category": "price", "objection-customer_words": ""},
        **HTMX,
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="panel-objections"')
    assert "This field is required." in content
    assert not DealObjection.objects.exists()


def test_use_a_library_response_records_it(rep_client, rep, proposing):
    objection = objection_log(
        proposing, category="price", customer_words="Too dear", acting_user=rep
    ).objection
    library = LibraryResponse.objects.filter(category="price").first()
    response = rep_client.post(
        url("objection-answer", proposing),
        {
            "objection": objection.pk,
            "library_response": library.pk,
            "response_given": library.response.replace("…", "20,000 EUR"),  # filled in
        },
        **HTMX,
    )
    objection.refresh_from_db()
    assert objection.status == "answered" and objection.library_response == library
    assert objection.response_given == library.response.replace("…", "20,000 EUR")
    content = response.content.decode()
    assert "Objection answered." in content and f"library: {library.title}" in content


def test_answer_in_own_words(rep_client, rep, proposing):
    objection = objection_log(
        proposing, category="timing", customer_words="Not now", acting_user=rep
    ).objection
    rep_client.post(
        url("objection-answer", proposing),
        {"objection": objection.pk, "response_given": "Start small in May"},
    )
    objection.refresh_from_db()
    assert objection.response_given == "Start small in May" and objection.library_response is None


def test_answer_without_words_or_library_response_is_refused(rep_client, rep, proposing):
    objection = objection_log(
        proposing, category="timing", customer_words="Not now", acting_user=rep
    ).objection
    response = rep_client.post(
        url("objection-answer", proposing), {"objection": objection.pk, "response_given": " "}
    )
    assert "Write down how you answered." in response.content.decode()
    objection.refresh_from_db()
    assert objection.status == "open"


def test_resolve_an_objection_and_refuse_answering_it_again(rep_client, rep, proposing):
    objection = objection_log(
        proposing, category="timing", customer_words="Not now", acting_user=rep
    ).objection
    objection_answer(objection, acting_user=rep, response_given="Start in May")
    rep_client.post(url("objection-resolve", proposing), {"objection": objection.pk})
    objection.refresh_from_db()
    assert objection.status == "resolved" and objection.resolved_by == rep
    response = rep_client.post(
        url("objection-answer", proposing),
        {"objection": objection.pk, "response_given": "Again"},
        follow=True,
    )
    assert "not open on this deal" in response.content.decode()
    response = rep_client.post(
        url("objection-resolve", proposing), {"objection": objection.pk}, follow=True
    )
    assert "already resolved" in response.content.decode()


def test_objection_of_another_deal_cannot_be_answered(rep_client, rep, proposing):
    other = DealFactory(owner=rep)
    objection = objection_log(
        other, category="price", customer_words="Too dear", acting_user=rep
    ).objection
    rep_client.post(
        url("objection-answer", proposing), {"objection": objection.pk, "response_given": "x"}
    )
    objection.refresh_from_db()
    assert objection.status == "open"


def test_the_panels_show_answers_ticks_and_objections_to_a_reader(
    rep, outsider, presenting, rep_client
):
    checklist_tick(presenting, item_named("Decision makers invited"), acting_user=rep)
    answer_record(presenting, questions()[0], text="Slow support", acting_user=rep)
    objection_log(presenting, category="price", customer_words="Too dear", acting_user=rep)
    presenting.visibility = Visibility.EVERYONE
    presenting.save()
    content = client_for(outsider).get(detail(presenting)).content.decode()
    assert "Decision makers invited" in content and "(done)" in content
    assert "Slow support" in content and "Too dear" in content
    assert "Use this response" not in content and "Mark resolved" not in content


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_answer_htmx_with_a_panel_even_for_bad_input(rep_client, presenting, name):
    response = rep_client.post(url(name, presenting), {}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="panel-')
    assert '<div id="messages"' in content
