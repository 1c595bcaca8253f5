"""The source as the file or form gave it (`source_detail`), beside the normalised source."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from salesflow.leads.models import Lead
from salesflow.leads.services import lead_capture_from_form, lead_create, lead_update
from salesflow.leads.tests.factories import CaptureFormFactory
from tests.factories import DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

LIST = reverse("leads:lead-list")


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def sourced(rep, outsider):
    return {
        "google": LeadFactory(owner=rep, last_name="Upper", source="seo", source_detail="Google"),
        "lower": LeadFactory(owner=rep, last_name="Lower", source="seo", source_detail="google"),
        "welingak": LeadFactory(
            owner=rep, last_name="Welingak", source="referral", source_detail="Welingak Website"
        ),
        "plain": LeadFactory(owner=rep, last_name="Plain", source="seo"),
        "hidden": LeadFactory(
            owner=outsider, last_name="Hidden", source="other", source_detail="Secret Fair"
        ),
    }


def test_the_services_keep_the_source_as_given(rep):
    lead = lead_create(
        acting_user=rep, last_name="Kim", source="referral", source_detail="Welingak Website"
    )
    lead_update(lead, acting_user=rep, source_detail="Reference")

    lead.refresh_from_db()
    assert (lead.source, lead.source_detail) == ("referral", "Reference")


def test_a_source_as_given_longer_than_100_characters_is_refused(rep):
    with pytest.raises(ValidationError) as refused:
        lead_create(acting_user=rep, last_name="Long", source="other", source_detail="x" * 101)

    assert "source_detail" in refused.value.message_dict
    assert not Lead.objects.filter(last_name="Long").exists()


def test_a_capture_form_keeps_the_source_the_page_sends(north, rep):
    form = CaptureFormFactory(source="webinar", default_owner=rep, default_team=north)

    lead = lead_capture_from_form(
        form,
        data={"last_name": "Lima", "email": "ana@example.com", "source_detail": " newsletter-may "},
        ip="203.0.113.5",
    )

    assert (lead.source, lead.source_detail) == ("webinar", "newsletter-may")


def test_the_lead_list_filters_by_the_source_as_given_ignoring_case(rep_client, sourced):
    page = rep_client.get(LIST, {"source_detail": "google"}).content.decode()

    assert "Upper" in page and "Lower" in page
    assert "Welingak" not in page.split("<tbody")[-1] and "Plain" not in page


def test_the_list_filter_offers_one_choice_per_source_the_user_may_see(rep_client, sourced):
    page = rep_client.get(LIST).content.decode()

    assert '<option value="Google">Google</option>' in page
    assert '<option value="google">' not in page
    assert '<option value="Welingak Website">Welingak Website</option>' in page
    assert "Secret Fair" not in page


def test_the_lead_page_shows_the_source_as_given_on_the_origin_card(rep_client, sourced):
    page = rep_client.get(sourced["welingak"].get_absolute_url()).content.decode()

    origin = page.split('id="origin-title"')[1]
    assert "Source as given</dt><dd>Welingak Website</dd>" in origin


def test_the_lead_export_has_the_external_id_and_the_source_as_given(client, rep):
    LeadFactory(owner=rep, last_name="Kim", external_id="crm:17", source_detail="Reference")
    client.force_login(rep)

    rows = csv_rows(client.get(LIST, {"format": "csv"}))

    assert [(r["last_name"], r["external_id"], r["source_detail"]) for r in rows] == [
        ("Kim", "crm:17", "Reference")
    ]


def test_the_deal_export_has_the_external_id(client, rep):
    DealFactory(owner=rep, name="Harbour cranes", external_id="sf:0061")
    client.force_login(rep)

    rows = csv_rows(client.get(reverse("pipeline:deal-list"), {"format": "csv"}))

    assert [(r["name"], r["external_id"]) for r in rows] == [("Harbour cranes", "sf:0061")]
