"""The sales process on a deal: blockers, BANT, checklist, assessment, first meeting and next
action, objections and the objection library."""

from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.leads.models import Qualification
from salesflow.leads.tests.factories import CompleteBantFactory
from salesflow.pipeline.models import StageChange
from salesflow.playbooks.models import (
    ChecklistItem,
    DealAnswer,
    DealChecklistTick,
    DealObjection,
    LibraryResponse,
    QuestionSet,
)
from tests.factories import DealFactory, stage_named

# Each nested route of a deal, as (method, path after /deals/{id}, body).
READS = ["/blockers", "/qualification", "/checklist", "/answers", "/objections"]
WRITES = [
    ("put", "/qualification", {"need": "Faster routing"}),
    ("post", "/first-meeting", {"state": "clear_demand"}),
    ("post", "/next-action", {}),
    ("post", "/objections", {"category": "price", "customer_words": "Too dear"}),
    ("post", "/answers", {"question_id": 999999, "text": "x"}),
    ("post", "/assessment/confirm", {"question_set_id": 999999}),
]


def question_set() -> QuestionSet:
    return QuestionSet.objects.get(stage=stage_named("Needs assessment"))


def presentation_items() -> list[ChecklistItem]:
    return list(stage_named("Presentation / demo").checklist_items.order_by("position"))


@pytest.mark.parametrize("path", READS)
def test_outsider_gets_404_for_what_is_on_a_teammates_deal(api_as, outsider, teammate, path):
    deal = DealFactory(owner=teammate)

    assert api_as(outsider).get(f"/deals/{deal.pk}{path}").status_code == 404


@pytest.mark.parametrize("path", READS)
def test_a_read_only_reader_reads_what_is_on_the_deal(api_as, rep, outsider, path):
    deal = DealFactory(owner=outsider, visibility="everyone")

    assert api_as(rep).get(f"/deals/{deal.pk}{path}").status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_on_a_deal_answer_404_to_outsiders_and_403_to_read_only_readers(
    api_as, rep, outsider, teammate, method, path, body
):
    teammates = DealFactory(owner=teammate)
    shared = DealFactory(owner=outsider, visibility="everyone")

    outsider_call = getattr(api_as(outsider), method)(f"/deals/{teammates.pk}{path}", body)
    read_only_call = getattr(api_as(rep), method)(f"/deals/{shared.pk}{path}", body)

    assert outsider_call.status_code == 404
    assert read_only_call.status_code == 403
    assert not DealObjection.objects.exists()
    assert Qualification.objects.count() == 0


# Blockers and moves -----------------------------------------------------------------------------


def test_blockers_list_what_a_move_would_be_refused_for(api_as, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))

    response = api_as(rep).get(f"/deals/{deal.pk}/blockers", {"stage": "Needs assessment"})

    assert response.status_code == 200
    body = response.json()
    assert (body["to_stage_name"], body["can_override"]) == ("Needs assessment", False)
    assert [item["code"] for item in body["missing"]] == [
        "bant_recorded:budget",
        "bant_recorded:authority",
        "bant_recorded:need",
        "bant_recorded:timeline",
    ]
    assert {item["stage"] for item in body["missing"]} == {"Qualification"}
    refused = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Needs assessment"}
    )
    assert refused.json()["missing"] == body["missing"]


def test_blockers_default_to_the_next_stage_and_tell_a_manager_they_may_override(
    api_as, manager, teammate
):
    deal = DealFactory(owner=teammate, stage=stage_named("Qualification"))

    body = api_as(manager).get(f"/deals/{deal.pk}/blockers").json()

    assert body["to_stage_name"] == "Needs assessment"
    assert body["can_override"] is True


def test_blockers_of_a_deal_that_meets_the_criteria_are_empty(api_as, rep):
    deal = DealFactory(
        owner=rep, stage=stage_named("Qualification"), qualification=CompleteBantFactory()
    )

    body = api_as(rep).get(f"/deals/{deal.pk}/blockers", {"stage": "Needs assessment"}).json()

    assert body["missing"] == []


def test_blockers_for_a_stage_of_another_pipeline_answer_422_naming_stage(
    api_as, rep, other_pipeline
):
    deal = DealFactory(owner=rep)
    foreign = other_pipeline.stages.get(name="Offer")

    response = api_as(rep).get(f"/deals/{deal.pk}/blockers", {"stage": foreign.pk})

    assert invalid_fields(response) == {"stage"}


def test_a_rep_giving_a_reason_is_still_refused_and_the_manager_overrides(api_as, rep, manager):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    body = {"stage": "Needs assessment", "override_reason": "Customer in a hurry", "version": 1}

    by_rep = api_as(rep).post(f"/deals/{deal.pk}/move", body)
    by_manager = api_as(manager).post(f"/deals/{deal.pk}/move", body)

    assert by_rep.status_code == 409
    assert "Only a manager or an admin" in by_rep.json()["detail"]
    assert by_rep.json()["missing"][0]["code"] == "bant_recorded:budget"
    assert by_manager.status_code == 200
    change = StageChange.objects.get(deal=deal, to_stage__name="Needs assessment")
    assert (change.override_reason, change.changed_by) == ("Customer in a hurry", manager)


# BANT on the deal -------------------------------------------------------------------------------


def test_bant_of_a_deal_without_one_reads_empty_with_every_letter_missing(api_as, rep):
    deal = DealFactory(owner=rep)

    body = api_as(rep).get(f"/deals/{deal.pk}/qualification").json()

    assert body["recorded_at"] is None
    assert body["missing"] == ["budget", "authority", "need", "timeline"]


def test_put_replaces_the_deals_bant(api_as, rep):
    deal = DealFactory(owner=rep, currency="USD", qualification=CompleteBantFactory())
    api = api_as(rep)

    response = api.put(
        f"/deals/{deal.pk}/qualification", {"budget_amount": "900", "need": "Fewer errors"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["budget_amount"], body["budget_currency"], body["need"]) == (
        "900.00",
        "USD",
        "Fewer errors",
    )
    assert (body["is_decision_maker"], body["timeline_on"]) == (None, None)
    assert body["missing"] == ["authority", "timeline"]
    assert api.get(f"/deals/{deal.pk}/qualification").json() == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pain_level": 0}, "pain_level"),
        ({"budget_amount": "-5"}, "budget_amount"),
        ({"is_budget_confirmed": True}, "budget_amount"),
        ({"timeline_on": "soon"}, "timeline_on"),
    ],
)
def test_bad_bant_on_a_deal_answers_422_naming_the_field(api_as, rep, body, field):
    deal = DealFactory(owner=rep)

    assert invalid_fields(api_as(rep).put(f"/deals/{deal.pk}/qualification", body)) == {field}
    deal.refresh_from_db()
    assert deal.qualification is None


# Checklist --------------------------------------------------------------------------------------


def test_the_checklist_of_the_deals_stage_with_its_ticks(api_as, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Presentation / demo"))
    first, *rest = presentation_items()
    api = api_as(rep)

    ticked = api.post(f"/deals/{deal.pk}/checklist/{first.pk}", {"ticked": True})
    listed = api.get(f"/deals/{deal.pk}/checklist")

    assert ticked.status_code == 200
    assert (ticked.json()["is_ticked"], ticked.json()["ticked_by_id"]) == (True, rep.pk)
    assert [(i["id"], i["is_ticked"]) for i in listed.json()["items"]] == [
        (first.pk, True),
        *((item.pk, False) for item in rest),
    ]


def test_unticking_a_checklist_item(api_as, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Presentation / demo"))
    item = presentation_items()[0]
    api = api_as(rep)
    api.post(f"/deals/{deal.pk}/checklist/{item.pk}")

    response = api.post(f"/deals/{deal.pk}/checklist/{item.pk}", {"ticked": False})

    assert response.json()["is_ticked"] is False
    assert not DealChecklistTick.objects.exists()


def test_the_checklist_of_another_stage_by_name(api_as, rep):
    deal = DealFactory(owner=rep)

    body = api_as(rep).get(f"/deals/{deal.pk}/checklist", {"stage": "Presentation / demo"}).json()

    assert body["count"] == 4
    assert body["stage_id"] == stage_named("Presentation / demo").pk


def test_ticking_an_item_of_another_pipeline_answers_422(api_as, rep, other_pipeline):
    deal = DealFactory(owner=rep)
    item = ChecklistItem.objects.create(stage=other_pipeline.stages.first(), label="Elsewhere")

    response = api_as(rep).post(f"/deals/{deal.pk}/checklist/{item.pk}")

    assert invalid_fields(response) == {"item_id"}


def test_ticking_an_unknown_item_answers_404(api_as, rep):
    deal = DealFactory(owner=rep)

    assert api_as(rep).post(f"/deals/{deal.pk}/checklist/999999").status_code == 404


def test_the_checklist_takes_a_constant_number_of_queries(
    api_as, rep, django_assert_max_num_queries
):
    deal = DealFactory(owner=rep, stage=stage_named("Presentation / demo"))
    api = api_as(rep)
    for item in presentation_items():
        api.post(f"/deals/{deal.pk}/checklist/{item.pk}")

    with django_assert_max_num_queries(6):
        assert api.get(f"/deals/{deal.pk}/checklist").json()["count"] == 4


# Needs assessment -------------------------------------------------------------------------------


def test_answers_list_the_questions_with_what_the_customer_said(api_as, rep):
    deal = DealFactory(owner=rep)
    questions = list(question_set().questions.order_by("position"))
    api = api_as(rep)

    answered = api.post(
        f"/deals/{deal.pk}/answers", {"question_id": questions[0].pk, "text": "Too slow"}
    )
    [listed] = api.get(f"/deals/{deal.pk}/answers").json()["items"]

    assert answered.status_code == 200
    assert (answered.json()["question_id"], answered.json()["text"]) == (
        questions[0].pk,
        "Too slow",
    )
    assert [q["id"] for q in listed["questions"]] == [q.pk for q in questions]
    assert listed["questions"][0]["answer"]["text"] == "Too slow"
    assert listed["questions"][1]["answer"] is None
    assert (listed["is_answered"], listed["is_confirmed"]) == (False, False)


def test_confirming_before_every_question_is_answered_answers_409_listing_them(api_as, rep):
    deal = DealFactory(owner=rep)
    questions = list(question_set().questions.order_by("position"))

    response = api_as(rep).post(
        f"/deals/{deal.pk}/assessment/confirm", {"question_set_id": question_set().pk}
    )

    assert response.status_code == 409
    assert [m["code"] for m in response.json()["missing"]] == [
        f"assessment_answered:{q.pk}" for q in questions
    ]


def test_changing_an_answer_withdraws_the_confirmation(api_as, rep):
    deal = DealFactory(owner=rep)
    questions = list(question_set().questions.all())
    api = api_as(rep)
    for question in questions:
        api.post(f"/deals/{deal.pk}/answers", {"question_id": question.pk, "text": "Noted"})
    api.post(f"/deals/{deal.pk}/assessment/confirm", {"question_set_id": question_set().pk})

    api.post(f"/deals/{deal.pk}/answers", {"question_id": questions[0].pk, "text": "Changed"})

    [listed] = api.get(f"/deals/{deal.pk}/answers").json()["items"]
    assert (listed["is_answered"], listed["is_confirmed"]) == (True, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question_id": 999999, "text": "x"}, "question_id"),
        ({"question_id": 1, "text": ""}, "text"),
        ({"text": "x"}, "question_id"),
    ],
)
def test_a_bad_answer_answers_422_naming_the_field(api_as, rep, body, field):
    deal = DealFactory(owner=rep)

    assert invalid_fields(api_as(rep).post(f"/deals/{deal.pk}/answers", body)) == {field}
    assert not DealAnswer.objects.exists()


def test_confirming_an_unknown_question_set_answers_422(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/assessment/confirm", {"question_set_id": 0})

    assert invalid_fields(response) == {"question_set_id"}


def test_answers_take_a_constant_number_of_queries(api_as, rep, django_assert_max_num_queries):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    for question in question_set().questions.all():
        api.post(f"/deals/{deal.pk}/answers", {"question_id": question.pk, "text": "Noted"})
    QuestionSet.objects.create(name="Second set", stage=stage_named("Closing"))

    with django_assert_max_num_queries(8):
        assert api.get(f"/deals/{deal.pk}/answers").json()["count"] == 2


# First meeting and next action ------------------------------------------------------------------


def test_the_first_meeting_judgment_answers_the_next_action_and_creates_its_task(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)

    meeting = api.post(
        f"/deals/{deal.pk}/first-meeting", {"state": "clear_demand", "notes": "Wants a demo"}
    )
    task = api.post(f"/deals/{deal.pk}/next-action")

    assert meeting.status_code == 201
    assert meeting.json()["next_action"]["action"] == "Schedule the presentation / demo"
    assert task.status_code == 201
    assert (task.json()["type"], task.json()["subject"], task.json()["owner_id"]) == (
        "demo",
        "Schedule the presentation / demo",
        rep.pk,
    )


def test_the_next_action_before_a_first_meeting_answers_409(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/next-action")

    assert response.status_code == 409
    assert response.json()["missing"][0]["code"] == "first_meeting"


def test_an_unknown_customer_state_answers_422_naming_state(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/first-meeting", {"state": "ecstatic"})

    assert invalid_fields(response) == {"state"}


# Objections -------------------------------------------------------------------------------------


def test_logging_an_objection_answers_the_librarys_suggestions(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/objections", {"category": "price", "customer_words": "Too dear"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["stage_name"]) == ("open", "Prospecting")
    assert [s["title"] for s in body["suggestions"]] == [
        "Cost of the problem versus the price",
        "Phase the investment",
    ]


def test_an_objection_is_answered_in_own_words_and_resolved(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    logged = api.post(
        f"/deals/{deal.pk}/objections", {"category": "timing", "customer_words": "Not now"}
    ).json()

    answered = api.post(f"/objections/{logged['id']}/answer", {"response_given": "Why wait?"})
    resolved = api.post(f"/objections/{logged['id']}/resolve")
    again = api.post(f"/objections/{logged['id']}/resolve")

    assert (answered.json()["status"], answered.json()["response_given"]) == (
        "answered",
        "Why wait?",
    )
    assert resolved.json()["status"] == "resolved"
    assert invalid_fields(again) == {"status"}
    assert [o["status"] for o in api.get(f"/deals/{deal.pk}/objections").json()["items"]] == [
        "resolved"
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "response_given"),
        ({"library_response_id": 999999}, "library_response_id"),
    ],
)
def test_a_bad_answer_to_an_objection_answers_422(api_as, rep, body, field):
    deal = DealFactory(owner=rep)
    logged = api_as(rep).post(
        f"/deals/{deal.pk}/objections", {"category": "trust", "customer_words": "Who are you?"}
    )

    response = api_as(rep).post(f"/objections/{logged.json()['id']}/answer", body)

    assert invalid_fields(response) == {field}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "weather", "customer_words": "x"}, "category"),
        ({"category": "price", "customer_words": ""}, "customer_words"),
    ],
)
def test_a_bad_objection_answers_422_naming_the_field(api_as, rep, body, field):
    deal = DealFactory(owner=rep)

    assert invalid_fields(api_as(rep).post(f"/deals/{deal.pk}/objections", body)) == {field}


@pytest.mark.parametrize("action", ["answer", "resolve"])
def test_objections_follow_their_deals_access(api_as, rep, outsider, teammate, action):
    teammates = DealFactory(owner=teammate)
    shared = DealFactory(owner=outsider, visibility="everyone")
    hidden, read_only = (
        DealObjection.objects.create(
            deal=deal,
            category="price",
            customer_words="x",
            stage=deal.stage,
            logged_at=deal.created_at,
        )
        for deal in (teammates, shared)
    )
    body = {"response_given": "Because"}

    assert api_as(outsider).post(f"/objections/{hidden.pk}/{action}", body).status_code == 404
    assert api_as(rep).post(f"/objections/{read_only.pk}/{action}", body).status_code == 403
    assert set(DealObjection.objects.values_list("status", flat=True)) == {"open"}


def test_objections_take_a_constant_number_of_queries(api_as, rep, django_assert_max_num_queries):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    for category in ("price", "timing", "trust", "need"):
        api.post(f"/deals/{deal.pk}/objections", {"category": category, "customer_words": "x"})

    with django_assert_max_num_queries(5):
        assert api.get(f"/deals/{deal.pk}/objections").json()["count"] == 4


# The objection library --------------------------------------------------------------------------


def test_everyone_reads_the_library_by_category_with_win_rates(
    api_as, outsider, django_assert_max_num_queries
):
    api = api_as(outsider)

    with django_assert_max_num_queries(4):
        response = api.get("/objection-library", {"category": "price"})

    assert [e["title"] for e in response.json()["items"]] == [
        "Cost of the problem versus the price",
        "Phase the investment",
    ]
    assert response.json()["items"][0]["win_rate"] is None


def test_a_manager_adds_changes_and_retires_a_library_answer(api_as, manager, rep):
    api = api_as(manager)

    added = api.post(
        "/objection-library",
        {"category": "competitor", "title": "Total cost", "response": "Count it all."},
    )
    changed = api.patch(f"/objection-library/{added.json()['id']}", {"title": "Total cost of use"})
    retired = api.patch(f"/objection-library/{added.json()['id']}", {"is_active": False})

    assert added.status_code == 201
    assert changed.json()["title"] == "Total cost of use"
    assert retired.json()["is_active"] is False
    assert added.json()["id"] not in ids(api_as(rep).get("/objection-library"))
    assert added.json()["id"] in ids(api_as(rep).get("/objection-library", {"active": "false"}))


def test_a_rep_cannot_change_the_library(api_as, rep):
    entry = LibraryResponse.objects.first()
    api = api_as(rep)

    added = api.post("/objection-library", {"category": "price", "title": "x", "response": "y"})
    changed = api.patch(f"/objection-library/{entry.pk}", {"title": "Mine"})

    assert (added.status_code, changed.status_code) == (403, 403)
    entry.refresh_from_db()
    assert entry.title != "Mine"


def test_a_bad_library_answer_answers_422_and_an_unknown_one_404(api_as, manager):
    api = api_as(manager)

    bad = api.post("/objection-library", {"category": "luck", "title": "x", "response": "y"})

    assert invalid_fields(bad) == {"category"}
    assert api.patch("/objection-library/999999", {"title": "x"}).status_code == 404
