from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.leads.models import Lead
from salesflow.leads.tests.factories import CompleteBantFactory, ProfileCriterionFactory
from tests.factories import CampaignFactory, ContactFactory, LeadFactory

LIST_QUERIES = 5


def test_rep_creates_a_lead_whose_channel_follows_its_source(api_as, rep, north):
    campaign = CampaignFactory()

    response = api_as(rep).post(
        "/leads",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": "Analytical Engines",
            "source": "cold_call",
            "campaign_id": campaign.pk,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["channel"] == "outbound"
    assert body["status"] == "new"
    assert body["campaign_id"] == campaign.pk
    assert body["display_name"] == "Ada Lovelace"
    assert (body["owner_id"], body["team_id"], body["version"]) == (rep.pk, north.pk, 1)


def test_rep_reads_a_teammates_lead(api_as, rep, teammate):
    lead = LeadFactory(owner=teammate, company="Initech")

    response = api_as(rep).get(f"/leads/{lead.pk}")

    assert response.status_code == 200
    assert response.json()["company"] == "Initech"


def test_list_filters_leads(api_as, rep, teammate):
    campaign = CampaignFactory()
    webinar = LeadFactory(owner=rep, source="webinar", campaign=campaign, company="Umbrella")
    cold = LeadFactory(owner=rep, source="cold_call", channel="outbound", status="working")
    theirs = LeadFactory(owner=teammate, source="seo")
    api = api_as(rep)

    assert ids(api.get("/leads", {"q": "umbrel"})) == {webinar.pk}
    assert ids(api.get("/leads", {"status": "working"})) == {cold.pk}
    assert ids(api.get("/leads", {"source": "webinar"})) == {webinar.pk}
    assert ids(api.get("/leads", {"channel": "outbound"})) == {cold.pk}
    assert ids(api.get("/leads", {"campaign_id": campaign.pk})) == {webinar.pk}
    assert ids(api.get("/leads", {"owner_id": teammate.pk})) == {theirs.pk}


def test_a_bad_filter_value_answers_422_naming_it(api_as, rep):
    assert invalid_fields(api_as(rep).get("/leads", {"status": "hot"})) == {"status"}


def test_patch_sets_the_lead_working_and_bumps_the_version(api_as, rep):
    lead = LeadFactory(owner=rep, company="Initech")

    response = api_as(rep).patch(f"/leads/{lead.pk}", {"status": "working", "version": 1})

    assert response.status_code == 200
    assert response.json()["status"] == "working"
    assert response.json()["version"] == 2
    lead.refresh_from_db()
    assert (lead.status, lead.company) == ("working", "Initech")


@pytest.mark.parametrize("status", ["qualified", "disqualified", "converted"])
def test_patch_cannot_set_a_status_that_follows_an_action(api_as, rep, status):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).patch(f"/leads/{lead.pk}", {"status": status})

    assert invalid_fields(response) == {"status"}
    [error] = response.json()["detail"]
    assert "/leads/{id}/qualification" in error["msg"]
    assert "/leads/{id}/convert" in error["msg"]
    lead.refresh_from_db()
    assert (lead.status, lead.version) == ("new", 1)


@pytest.mark.parametrize("status", ["qualified", "disqualified", "converted"])
def test_a_lead_cannot_be_created_with_a_status_that_follows_an_action(api_as, rep, status):
    response = api_as(rep).post("/leads", {"company": "Initech", "source": "seo", "status": status})

    assert invalid_fields(response) == {"status"}
    assert not Lead.objects.exists()


def test_delete_removes_the_lead(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).delete(f"/leads/{lead.pk}")

    assert response.status_code == 204
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_bad_choices_email_and_phone_answer_422_naming_each_field(api_as, rep):
    response = api_as(rep).post(
        "/leads",
        {
            "last_name": "Lovelace",
            "source": "carrier pigeon",
            "channel": "sideways",
            "email": "ada@",
            "phone": "0",
        },
    )

    assert invalid_fields(response) == {"source", "channel", "email", "phone"}


def test_a_lead_without_a_source_answers_422_naming_source(api_as, rep):
    assert invalid_fields(api_as(rep).post("/leads", {"company": "Initech"})) == {"source"}


def test_a_lead_with_nothing_to_call_it_by_answers_422(api_as, rep):
    response = api_as(rep).post("/leads", {"source": "seo", "industry": "Retail"})

    assert invalid_fields(response) == {"last_name"}
    assert not Lead.objects.exists()


def test_an_unknown_campaign_answers_422_naming_campaign_id(api_as, rep):
    response = api_as(rep).post(
        "/leads", {"company": "Initech", "source": "seo", "campaign_id": 999999}
    )

    assert invalid_fields(response) == {"campaign_id"}


def test_an_unknown_lead_answers_404(api_as, rep):
    assert api_as(rep).get("/leads/999999").status_code == 404


def test_outsider_gets_404_for_a_teammates_lead_and_does_not_list_it(api_as, outsider, teammate):
    lead = LeadFactory(owner=teammate, company="Secret")
    api = api_as(outsider)

    assert api.get(f"/leads/{lead.pk}").status_code == 404
    assert api.patch(f"/leads/{lead.pk}", {"company": "Mine"}).status_code == 404
    assert api.delete(f"/leads/{lead.pk}").status_code == 404
    assert lead.pk not in ids(api.get("/leads"))


def test_patch_of_a_lead_shared_read_only_answers_403(api_as, rep, outsider):
    lead = LeadFactory(owner=outsider, company="Shared", visibility="everyone")

    response = api_as(rep).patch(f"/leads/{lead.pk}", {"company": "Mine"})

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.company == "Shared"


def test_a_private_lead_of_a_teammate_answers_404(api_as, rep, teammate):
    lead = LeadFactory(owner=teammate, visibility="private")

    assert api_as(rep).get(f"/leads/{lead.pk}").status_code == 404


def test_a_stale_version_answers_409_and_changes_nothing(api_as, rep):
    lead = LeadFactory(owner=rep, company="Initech")
    api = api_as(rep)
    api.patch(f"/leads/{lead.pk}", {"status": "working"})

    response = api.patch(f"/leads/{lead.pk}", {"company": "Initrode", "version": 1})

    assert response.status_code == 409
    lead.refresh_from_db()
    assert (lead.company, lead.version) == ("Initech", 2)


def test_listing_leads_takes_a_constant_number_of_queries(
    api_as, rep, teammate, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    for owner in (rep, teammate) * 4:
        LeadFactory(owner=owner, campaign=campaign)
    api = api_as(rep)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("/leads")

    assert response.json()["count"] == 8


# Score, BANT and duplicates ---------------------------------------------------------------------


def test_a_new_lead_answers_its_score_grade_and_the_rules_behind_it(api_as, rep):
    ProfileCriterionFactory(dimension="industry", value="Logistics", weight=10)

    response = api_as(rep).post(
        "/leads", {"last_name": "Lima", "industry": "Logistics", "source": "seo"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["grade"], body["fit_score"]) == (20, "cold", 100)
    assert [(line["name"], line["points"]) for line in body["score_breakdown"]] == [
        ("Fits the customer profile (50%+)", 10),
        ("Strong profile fit (80%+)", 10),
    ]
    assert all(isinstance(line["rule"], int) for line in body["score_breakdown"])
    assert body["qualification"] is None
    assert body["duplicates"] == []


def test_a_new_lead_answers_the_duplicates_its_creator_may_read(api_as, rep, outsider):
    same_email = LeadFactory(owner=rep, last_name="Lima", email="ana@lima.example")
    contact = ContactFactory(owner=rep, last_name="Lima", email="ana@lima.example")
    hidden = LeadFactory(owner=outsider, email="ana@lima.example", visibility="private")

    response = api_as(rep).post(
        "/leads", {"last_name": "Lima", "email": "ANA@lima.example", "source": "seo"}
    )

    duplicates = response.json()["duplicates"]
    assert [(d["kind"], d["id"], d["reason"], d["score"]) for d in duplicates] == [
        ("lead", same_email.pk, "exact email", 100),
        ("contact", contact.pk, "exact email", 100),
    ]
    assert duplicates[1]["name"] == contact.full_name
    assert hidden.pk not in {d["id"] for d in duplicates if d["kind"] == "lead"}


def test_duplicates_of_a_lead_list_what_the_reader_may_see(api_as, rep, outsider):
    lead = LeadFactory(owner=rep, phone="+4930123456", email="")
    twin = LeadFactory(owner=rep, phone="+4930123456", email="")
    LeadFactory(owner=outsider, phone="+4930123456", visibility="private")

    response = api_as(rep).get(f"/leads/{lead.pk}/duplicates")

    assert response.status_code == 200
    assert [(d["kind"], d["id"], d["reason"]) for d in response.json()["items"]] == [
        ("lead", twin.pk, "exact phone")
    ]
    assert response.json()["count"] == 1
    assert api_as(outsider).get(f"/leads/{lead.pk}/duplicates").status_code == 404


def test_detail_shows_bant_status_and_score(api_as, rep):
    lead = LeadFactory(owner=rep, qualification=CompleteBantFactory())

    body = api_as(rep).get(f"/leads/{lead.pk}").json()

    bant = body["qualification"]
    assert (bant["budget_amount"], bant["is_decision_maker"], bant["pain_level"]) == (
        "25000.00",
        True,
        4,
    )
    assert (bant["missing"], bant["is_complete"]) == ([], True)
    for field in ("status", "qualified_at", "disqualification_reason_id", "converted_at"):
        assert field in body
    assert {"score", "grade", "score_breakdown"} <= set(body)


def test_list_filters_by_grade_and_sorts_by_score_or_age(api_as, rep):
    hot, warm, cold = (LeadFactory(owner=rep) for _ in range(3))
    for lead, score, grade in ((hot, 80, "hot"), (warm, 40, "warm"), (cold, -5, "cold")):
        Lead.objects.filter(pk=lead.pk).update(score=score, grade=grade)
    api = api_as(rep)

    def order(**params):
        return [item["id"] for item in api.get("/leads", params).json()["items"]]

    assert ids(api.get("/leads", {"grade": "hot"})) == {hot.pk}
    assert order(sort="-score") == [hot.pk, warm.pk, cold.pk]
    assert order(sort="score") == [cold.pk, warm.pk, hot.pk]
    assert order(sort="created_at") == [hot.pk, warm.pk, cold.pk]
    assert order() == [cold.pk, warm.pk, hot.pk]
    assert invalid_fields(api.get("/leads", {"sort": "name"})) == {"sort"}
    assert invalid_fields(api.get("/leads", {"grade": "boiling"})) == {"grade"}


def test_listing_leads_with_bant_records_takes_a_constant_number_of_queries(
    api_as, rep, django_assert_max_num_queries
):
    for _ in range(6):
        LeadFactory(owner=rep, qualification=CompleteBantFactory())
    api = api_as(rep)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("/leads", {"sort": "-score"})

    assert all(item["qualification"]["is_complete"] for item in response.json()["items"])
