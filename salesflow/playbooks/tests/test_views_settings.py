from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.playbooks.models import (
    ChecklistItem,
    LibraryResponse,
    NextActionRule,
    Question,
    QuestionSet,
)
from tests.factories import stage_named

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"playbook-settings:{name}", args=args)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


def _admin_pages() -> list[tuple[str, str]]:
    stage = stage_named("Closing")
    question_set = QuestionSet.objects.first()
    return [
        ("GET", url("checklists")),
        ("GET", url("checklist-item-add", stage.pk)),
        ("GET", url("checklist-item-edit", ChecklistItem.objects.first().pk)),
        ("GET", url("question-sets")),
        ("GET", url("question-set-create")),
        ("GET", url("question-set-edit", question_set.pk)),
        ("GET", url("question-add", question_set.pk)),
        ("GET", url("question-edit", question_set.questions.first().pk)),
        ("GET", url("next-actions")),
        ("GET", url("next-action-set")),
        ("POST", url("next-action-disable", NextActionRule.objects.first().pk)),
    ]


def _library_pages() -> list[str]:
    entry = LibraryResponse.objects.first()
    return [url("library"), url("library-create"), url("library-edit", entry.pk)]


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_playbook_settings_are_for_admins_only(persona, request):
    client = client_for(request.getfixturevalue(persona))
    for method, page in _admin_pages():
        response = client.get(page) if method == "GET" else client.post(page)
        assert response.status_code == 403, page
    assert NextActionRule.objects.filter(is_active=False).count() == 0


def test_objection_library_is_for_managers_and_admins(rep_client, manager, admin_client):
    for page in _library_pages():
        assert rep_client.get(page).status_code == 403, page
        assert client_for(manager).get(page).status_code == 200, page
        assert admin_client.get(page).status_code == 200, page


def test_admin_opens_every_playbook_settings_page(admin_client):
    for method, page in _admin_pages():
        if method == "GET":
            assert admin_client.get(page).status_code == 200, page


# Checklists


def test_checklists_show_every_open_stage_and_its_items(admin_client):
    response = admin_client.get(url("checklists"))
    content = response.content.decode()
    assert "Agenda agreed with the customer" in content
    assert (
        "Qualification" in content
        and url("checklist-item-add", stage_named("Closing").pk) in content
    )
    partial = admin_client.get(url("checklists"), **HTMX).content.decode()
    assert "Agenda agreed with the customer" in partial and "<html" not in partial


def test_admin_adds_and_retires_a_checklist_item(admin_client):
    closing = stage_named("Closing")
    response = admin_client.post(url("checklist-item-add", closing.pk), {"label": "Terms agreed"})
    assert response.status_code == 302 and f"#stage-{closing.pk}" in response["Location"]
    item = ChecklistItem.objects.get(stage=closing, label="Terms agreed")
    data = {"label": "Terms and price agreed", "position": item.position}  # is_active unticked
    assert admin_client.post(url("checklist-item-edit", item.pk), data).status_code == 302
    item.refresh_from_db()
    assert item.label == "Terms and price agreed" and not item.is_active


def test_a_checklist_item_with_bad_input_is_not_added(admin_client):
    presentation = stage_named("Presentation / demo")
    count = ChecklistItem.objects.count()
    response = admin_client.post(url("checklist-item-add", presentation.pk), {"label": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    data = {"label": "Agenda agreed with the customer"}  # already on this stage's checklist
    response = admin_client.post(url("checklist-item-add", presentation.pk), data)
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert ChecklistItem.objects.count() == count


# Question sets


def test_admin_creates_a_question_set_with_questions(admin_client):
    stage = stage_named("Closing")
    data = {
        "name": "Closing questions",
        "stage": stage.pk,
        "description": "",
        "questions": "Who signs?\n\nWhen do you start?",
    }
    response = admin_client.post(url("question-set-create"), data)
    question_set = QuestionSet.objects.get(name="Closing questions")
    assert response.status_code == 302 and response["Location"] == url(
        "question-set-edit", question_set.pk
    )
    assert list(question_set.questions.values_list("text", flat=True)) == [
        "Who signs?",
        "When do you start?",
    ]
    assert "Closing questions" in admin_client.get(url("question-sets")).content.decode()


def test_a_question_set_without_a_name_is_not_created(admin_client):
    count = QuestionSet.objects.count()
    response = admin_client.post(url("question-set-create"), {"name": "", "questions": "Why?"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert QuestionSet.objects.count() == count


def test_admin_edits_a_question_set_and_its_questions(admin_client):
    question_set = QuestionSet.objects.first()
    page = admin_client.get(url("question-set-edit", question_set.pk)).content.decode()
    assert "What business problems do you want us to solve?" in page
    data = {"name": "Open questions", "stage": question_set.stage_id, "is_active": "on"}
    assert admin_client.post(url("question-set-edit", question_set.pk), data).status_code == 302
    question_set.refresh_from_db()
    assert question_set.name == "Open questions"

    data = {"text": "Who else is affected?", "hint": "Map the stakeholders."}
    assert admin_client.post(url("question-add", question_set.pk), data).status_code == 302
    question = question_set.questions.get(text="Who else is affected?")
    data = {"text": "Who else is affected, and how?", "hint": "", "position": 9}  # retired
    assert admin_client.post(url("question-edit", question.pk), data).status_code == 302
    question.refresh_from_db()
    assert question.text == "Who else is affected, and how?" and not question.is_active


def test_an_empty_question_is_not_added(admin_client):
    question_set = QuestionSet.objects.first()
    count = Question.objects.count()
    response = admin_client.post(url("question-add", question_set.pk), {"text": " "})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Question.objects.count() == count


# Next actions


def test_next_actions_list_every_customer_state(admin_client):
    content = admin_client.get(url("next-actions")).content.decode()
    for label in ("No demand", "Preliminary demand", "Clear demand", "Evaluating competitors"):
        assert label in content
    assert "Start the nurture cadence" in content


def test_admin_replaces_and_removes_a_next_action(admin_client):
    form = admin_client.get(url("next-action-set"), {"state": "no_demand"}).content.decode()
    assert "Start the nurture cadence" in form  # the current rule fills the form
    data = {
        "state": "no_demand",
        "action": "Send the monthly newsletter",
        "activity_type": "email",
        "due_in_days": 30,
        "guidance": "",
    }
    assert admin_client.post(url("next-action-set"), data).status_code == 302
    rule = NextActionRule.objects.get(state="no_demand", is_active=True)
    assert rule.action == "Send the monthly newsletter" and rule.due_in_days == 30
    assert admin_client.post(url("next-action-disable", rule.pk)).status_code == 302
    assert not NextActionRule.objects.filter(state="no_demand", is_active=True).exists()


def test_a_next_action_with_bad_input_is_not_saved(admin_client):
    data = {"state": "no_demand", "action": "", "activity_type": "task", "due_in_days": -1}
    response = admin_client.post(url("next-action-set"), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert NextActionRule.objects.get(state="no_demand", is_active=True).action == (
        "Start the nurture cadence"
    )


# Objection library


def test_manager_adds_and_retires_a_library_answer(manager):
    client = client_for(manager)
    data = {"category": "price", "title": "Too expensive", "response": "Compare the total cost."}
    assert client.post(url("library-create"), data).status_code == 302
    entry = LibraryResponse.objects.get(title="Too expensive")
    assert entry.created_by == manager
    data = {"category": "price", "title": "Too expensive", "response": "Show the payback."}
    assert client.post(url("library-edit", entry.pk), data).status_code == 302
    entry.refresh_from_db()
    assert entry.response == "Show the payback." and not entry.is_active
    content = client.get(url("library")).content.decode()
    assert "Too expensive" in content and "Retired" in content


def test_a_library_answer_with_bad_input_is_not_added(admin_client):
    count = LibraryResponse.objects.count()
    data = {"category": "nonsense", "title": "", "response": ""}
    response = admin_client.post(url("library-create"), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert LibraryResponse.objects.count() == count


def test_library_renders_a_partial_for_htmx(admin_client):
    content = admin_client.get(url("library"), **HTMX).content.decode()
    assert "<html" not in content and "table" in content
