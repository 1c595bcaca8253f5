"""Working a lead: BANT and qualification, assignment, conversion, merging and the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.customers.models import Contact
from salesflow.leads.models import Lead, LeadMerge
from salesflow.leads.tests.factories import CompleteBantFactory, reason
from salesflow.pipeline.models import Deal
from tests.factories import ContactFactory, LeadFactory, UserFactory

SOON = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
FULL_BANT = {
    "budget_amount": "30000",
    "is_budget_confirmed": True,
    "is_decision_maker": True,
    "need": "Routes are planned on paper",
    "pain_level": 4,
    "timeline_on": SOON,
}


# BANT and qualification -------------------------------------------------------------------------


def test_recording_bant_answers_it_and_rescores_the_lead(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(f"/leads/{lead.pk}/qualification", FULL_BANT)

    assert response.status_code == 200
    body = response.json()
    assert body["qualification"]["need"] == "Routes are planned on paper"
    assert body["qualification"]["is_complete"] is True
    assert body["qualification"]["recorded_by_id"] == rep.pk
    assert (body["score"], body["grade"], body["status"]) == (60, "hot", "new")


def test_answers_sent_later_change_only_those_fields(api_as, rep):
    lead = LeadFactory(owner=rep, qualification=CompleteBantFactory(pain_level=2))

    response = api_as(rep).post(f"/leads/{lead.pk}/qualification", {"pain_level": 5})

    bant = response.json()["qualification"]
    assert (bant["pain_level"], bant["budget_amount"]) == (5, "25000.00")


def test_qualifying_with_complete_bant_in_the_same_call(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(
        f"/leads/{lead.pk}/qualification", {**FULL_BANT, "status": "qualified"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "qualified"
    assert response.json()["qualified_at"] is not None


def test_qualifying_without_complete_bant_answers_409_listing_the_missing_letters(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(
        f"/leads/{lead.pk}/qualification",
        {"budget_amount": "1000", "status": "qualified"},
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "BANT is incomplete: authority, need, timeline."
    assert [item["code"] for item in response.json()["missing"]] == [
        "authority",
        "need",
        "timeline",
    ]
    lead.refresh_from_db()
    assert (lead.status, lead.qualification) == ("new", None)  # all or nothing


def test_disqualifying_needs_a_current_reason(api_as, rep):
    lead = LeadFactory(owner=rep)
    api = api_as(rep)

    without = api.post(f"/leads/{lead.pk}/qualification", {"status": "disqualified"})
    unknown = api.post(
        f"/leads/{lead.pk}/qualification",
        {"status": "disqualified", "disqualification_reason_id": 999999},
    )

    assert invalid_fields(without) == {"disqualification_reason_id"}
    assert invalid_fields(unknown) == {"disqualification_reason_id"}
    lead.refresh_from_db()
    assert lead.status == "new"


def test_disqualifying_with_a_reason_and_a_note(api_as, rep):
    lead = LeadFactory(owner=rep, notes="")
    no_budget = reason("No budget")

    response = api_as(rep).post(
        f"/leads/{lead.pk}/qualification",
        {"status": "disqualified", "disqualification_reason_id": no_budget.pk, "note": "Frozen"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["disqualification_reason_id"]) == ("disqualified", no_budget.pk)
    assert "Frozen" in body["notes"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"pain_level": 6}, "pain_level"),
        ({"budget_amount": "-1"}, "budget_amount"),
        ({"is_budget_confirmed": True}, "budget_amount"),
        ({"status": "converted"}, "status"),
        ({"mood": "great"}, "mood"),
    ],
)
def test_bad_bant_input_answers_422_naming_the_field(api_as, rep, answers, field):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(f"/leads/{lead.pk}/qualification", answers)

    assert invalid_fields(response) == {field}
    lead.refresh_from_db()
    assert lead.qualification is None


def test_qualification_with_a_stale_version_answers_409(api_as, rep):
    lead = LeadFactory(owner=rep)
    api = api_as(rep)
    api.patch(f"/leads/{lead.pk}", {"notes": "Called"})

    response = api.post(f"/leads/{lead.pk}/qualification", {"need": "x", "version": 1})

    assert response.status_code == 409


def test_a_qualified_lead_nobody_owns_is_routed(api_as, rep, north, manager):
    from salesflow.leads.tests.factories import AssignmentRuleFactory

    AssignmentRuleFactory(team=north, owner=rep)
    lead = LeadFactory(owner=None, team=north)

    response = api_as(manager).post(
        f"/leads/{lead.pk}/qualification", {**FULL_BANT, "status": "qualified"}
    )

    assert response.json()["owner_id"] == rep.pk


# Access to the lead actions ---------------------------------------------------------------------

ACTIONS = [
    ("post", "/qualification", {"need": "x"}),
    ("post", "/assign", {}),
    ("post", "/convert", {}),
    ("post", "/merge", {"duplicate_id": 999999}),
]


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
def test_outsider_gets_404_for_the_actions_on_a_teammates_lead(
    api_as, outsider, teammate, method, suffix, body
):
    lead = LeadFactory(owner=teammate)

    response = getattr(api_as(outsider), method)(f"/leads/{lead.pk}{suffix}", body)

    assert response.status_code == 404
    lead.refresh_from_db()
    assert (lead.version, lead.status, lead.owner) == (1, "new", teammate)


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
def test_actions_on_a_lead_shared_read_only_answer_403(api_as, rep, outsider, method, suffix, body):
    lead = LeadFactory(owner=outsider, visibility="everyone")

    response = getattr(api_as(rep), method)(f"/leads/{lead.pk}{suffix}", body)

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.version == 1


# Assignment -------------------------------------------------------------------------------------


def test_assign_gives_the_lead_to_a_teammate(api_as, manager, rep, teammate):
    lead = LeadFactory(owner=rep)

    response = api_as(manager).post(f"/leads/{lead.pk}/assign", {"owner_id": teammate.pk})

    assert response.status_code == 200
    assert response.json()["owner_id"] == teammate.pk
    assert response.json()["assigned_at"] is not None


def test_assign_without_an_owner_takes_the_lead_yourself(api_as, rep, north):
    lead = LeadFactory(owner=None, team=north)

    response = api_as(rep).post(f"/leads/{lead.pk}/assign")

    assert response.json()["owner_id"] == rep.pk


def test_assign_to_someone_outside_your_teams_answers_422_naming_owner_id(api_as, rep, outsider):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(f"/leads/{lead.pk}/assign", {"owner_id": outsider.pk})

    assert invalid_fields(response) == {"owner_id"}
    lead.refresh_from_db()
    assert lead.owner == rep


def test_assign_to_a_deactivated_teammate_answers_422(api_as, rep, north):
    gone = UserFactory(username="gone", team=north, is_active=False)
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(f"/leads/{lead.pk}/assign", {"owner_id": gone.pk})

    assert invalid_fields(response) == {"owner_id"}


# Conversion -------------------------------------------------------------------------------------


def test_converting_a_qualified_lead_answers_the_new_account_contact_and_deal(api_as, rep):
    lead = LeadFactory(
        owner=rep,
        first_name="Ana",
        last_name="Lima",
        company="Lima Logistics",
        status="qualified",
        qualification=CompleteBantFactory(),
    )

    response = api_as(rep).post(
        f"/leads/{lead.pk}/convert", {"deal_name": "Lima fleet", "amount": "18000"}
    )

    assert response.status_code == 201
    body = response.json()
    deal = Deal.objects.get(pk=body["deal_id"])
    assert (deal.name, deal.amount, deal.account_id) == ("Lima fleet", 18000, body["account_id"])
    assert Contact.objects.get(pk=body["contact_id"]).last_name == "Lima"
    assert deal.qualification_id == lead.qualification_id
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account_id) == ("converted", body["account_id"])


def test_converting_twice_answers_409(api_as, rep):
    lead = LeadFactory(owner=rep, status="qualified", qualification=CompleteBantFactory())
    api = api_as(rep)
    api.post(f"/leads/{lead.pk}/convert")

    response = api.post(f"/leads/{lead.pk}/convert")

    assert response.status_code == 409
    assert response.json()["detail"] == "This lead is already converted."
    assert Deal.objects.filter(lead=lead).count() == 1


def test_converting_a_lead_that_is_not_qualified_answers_409_with_what_is_missing(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(f"/leads/{lead.pk}/convert")

    assert response.status_code == 409
    assert [item["code"] for item in response.json()["missing"]] == [
        "status",
        "budget",
        "authority",
        "need",
        "timeline",
    ]
    assert not Deal.objects.exists()


def test_converting_into_an_unknown_pipeline_answers_422_naming_pipeline_id(api_as, rep):
    lead = LeadFactory(owner=rep, status="qualified", qualification=CompleteBantFactory())

    response = api_as(rep).post(f"/leads/{lead.pk}/convert", {"pipeline_id": 999999})

    assert invalid_fields(response) == {"pipeline_id"}


def test_converting_with_a_negative_amount_answers_422_naming_amount(api_as, rep):
    lead = LeadFactory(owner=rep, status="qualified", qualification=CompleteBantFactory())

    response = api_as(rep).post(f"/leads/{lead.pk}/convert", {"amount": "-1"})

    assert invalid_fields(response) == {"amount"}


# Merging ----------------------------------------------------------------------------------------


def test_merging_a_duplicate_lead_keeps_this_one_and_removes_the_other(api_as, rep):
    lead = LeadFactory(owner=rep, phone="", company="Initech")
    duplicate = LeadFactory(owner=rep, phone="+4930123456", company="Initech")

    response = api_as(rep).post(f"/leads/{lead.pk}/merge", {"duplicate_id": duplicate.pk})

    assert response.status_code == 200
    assert response.json()["phone"] == "+4930123456"
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    assert LeadMerge.objects.get(lead=lead).duplicate_id == duplicate.pk


def test_merging_a_lead_into_a_contact_converts_it(api_as, rep):
    lead = LeadFactory(owner=rep, title="COO")
    contact = ContactFactory(owner=rep, position="")

    response = api_as(rep).post(f"/leads/{lead.pk}/merge", {"contact_id": contact.pk})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["converted_contact_id"]) == (
        "converted",
        contact.pk,
    )
    contact.refresh_from_db()
    assert contact.position == "COO"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"duplicate_id", "contact_id"}),
        ({"duplicate_id": 1, "contact_id": 1}, {"duplicate_id", "contact_id"}),
        ({"duplicate_id": 999999}, {"duplicate_id"}),
        ({"contact_id": 999999}, {"contact_id"}),
    ],
)
def test_merge_needs_one_record_you_can_see(api_as, rep, body, fields):
    lead = LeadFactory(owner=rep)

    assert invalid_fields(api_as(rep).post(f"/leads/{lead.pk}/merge", body)) == fields


def test_merging_a_lead_you_cannot_see_answers_422(api_as, rep, outsider):
    lead = LeadFactory(owner=rep)
    hidden = LeadFactory(owner=outsider)

    response = api_as(rep).post(f"/leads/{lead.pk}/merge", {"duplicate_id": hidden.pk})

    assert invalid_fields(response) == {"duplicate_id"}
    assert Lead.objects.filter(pk=hidden.pk).exists()


def test_merging_a_read_only_duplicate_answers_403(api_as, rep, outsider):
    lead = LeadFactory(owner=rep)
    shared = LeadFactory(owner=outsider, visibility="everyone")

    response = api_as(rep).post(f"/leads/{lead.pk}/merge", {"duplicate_id": shared.pk})

    assert response.status_code == 403
    assert Lead.objects.filter(pk=shared.pk).exists()


def test_merging_a_converted_lead_answers_409(api_as, rep):
    lead = LeadFactory(owner=rep)
    converted = LeadFactory(owner=rep, status="converted")

    response = api_as(rep).post(f"/leads/{lead.pk}/merge", {"duplicate_id": converted.pk})

    assert response.status_code == 409


# The manager's queue ----------------------------------------------------------------------------


def test_the_queue_shows_a_manager_the_leads_of_their_teams_nobody_works(
    api_as, manager, rep, north, south
):
    waiting = LeadFactory(owner=None, team=north)
    hot_untouched = LeadFactory(owner=rep)
    Lead.objects.filter(pk=hot_untouched.pk).update(grade="hot")
    LeadFactory(owner=rep)  # owned and cold: worked
    LeadFactory(owner=None, team=south)  # another team's

    response = api_as(manager).get("/leads/queue")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [hot_untouched.pk, waiting.pk]
    assert response.json()["items"][0]["waiting_seconds"] >= 0


def test_the_queue_is_for_managers_and_admins(api_as, rep, admin_user, north):
    lead = LeadFactory(owner=None, team=north)

    assert api_as(rep).get("/leads/queue").status_code == 403
    assert lead.pk in ids(api_as(admin_user).get("/leads/queue"))


def test_the_queue_takes_a_constant_number_of_queries(
    api_as, manager, north, django_assert_max_num_queries
):
    for _ in range(6):
        LeadFactory(owner=None, team=north, qualification=CompleteBantFactory())
    api = api_as(manager)

    with django_assert_max_num_queries(6):
        response = api.get("/leads/queue")

    assert response.json()["count"] == 6
