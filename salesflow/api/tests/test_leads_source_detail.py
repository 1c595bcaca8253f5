"""The source as given (`source_detail`) of leads through the API."""

from __future__ import annotations

from salesflow.leads.models import Lead
from tests.factories import LeadFactory


def sourced(rep, outsider) -> None:
    LeadFactory(owner=rep, last_name="Upper", source="seo", source_detail="Google")
    LeadFactory(
        owner=rep, last_name="Welingak", source="referral", source_detail="Welingak Website"
    )
    LeadFactory(owner=outsider, last_name="Hidden", source="other", source_detail="Secret Fair")


def test_the_api_filters_leads_by_the_source_as_given(api_as, rep, outsider):
    sourced(rep, outsider)

    response = api_as(rep).get("/leads", {"source_detail": "WELINGAK WEBSITE"})

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["last_name"] for item in items] == ["Welingak"]
    assert items[0]["source_detail"] == "Welingak Website"
    hidden = api_as(rep).get("/leads", {"source_detail": "Secret Fair"}).json()
    assert hidden["count"] == 0


def test_the_api_sets_the_source_as_given(api_as, rep):
    response = api_as(rep).post(
        "/leads", {"last_name": "Kim", "source": "referral", "source_detail": "Reference"}
    )

    assert response.status_code == 201, response.content
    assert Lead.objects.get(last_name="Kim").source_detail == "Reference"
