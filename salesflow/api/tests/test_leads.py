from __future__ import annotations

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory

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


def test_patch_qualifies_a_lead_and_bumps_the_version(api_as, rep):
    lead = LeadFactory(owner=rep, company="Initech")

    response = api_as(rep).patch(f"/leads/{lead.pk}", {"status": "qualified", "version": 1})

    assert response.status_code == 200
    assert response.json()["status"] == "qualified"
    assert response.json()["version"] == 2
    lead.refresh_from_db()
    assert (lead.status, lead.company) == ("qualified", "Initech")


def test_patch_cannot_mark_a_lead_converted(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).patch(f"/leads/{lead.pk}", {"status": "converted"})

    assert invalid_fields(response) == {"status"}
    lead.refresh_from_db()
    assert lead.status == "new"


def test_a_lead_cannot_be_created_converted(api_as, rep):
    response = api_as(rep).post(
        "/leads", {"company": "Initech", "source": "seo", "status": "converted"}
    )

    assert invalid_fields(response) == {"status"}


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
