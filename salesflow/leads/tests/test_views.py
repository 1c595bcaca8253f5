from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.leads.models import Lead, LeadStatus
from salesflow.users.models import Visibility
from tests.factories import ActivityFactory, CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"leads:{name}", args=args)


@pytest.fixture
def lead(rep):
    return LeadFactory(owner=rep, first_name="Grace", last_name="Hopper", company="Navy Labs")


@pytest.fixture
def public_lead(outsider):
    return LeadFactory(owner=outsider, visibility=Visibility.EVERYONE, last_name="Public")


def lead_data(owner, **changes):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "source": "webinar",
        "channel": "",
        "status": "new",
        "owner": owner.pk,
        "visibility": "team",
    }
    return {**data, **changes}


def test_list_shows_readable_leads_only(rep_client, lead, outsider):
    LeadFactory(owner=outsider, last_name="Foreigner")
    content = rep_client.get(url("lead-list")).content.decode()
    assert "Grace Hopper" in content and "Foreigner" not in content


def test_list_searches_and_filters(rep_client, rep, lead):
    campaign = CampaignFactory(name="Spring webinar")
    LeadFactory(owner=rep, last_name="Turing", status=LeadStatus.WORKING, campaign=campaign)
    assert b"Grace Hopper" in rep_client.get(url("lead-list"), {"q": "navy"}).content
    content = rep_client.get(
        url("lead-list"), {"status": "working", "campaign": campaign.pk, "channel": "inbound"}
    ).content.decode()
    assert "Turing" in content and "Grace Hopper" not in content


def test_list_answers_htmx_with_only_the_results(rep_client, lead):
    response = rep_client.get(url("lead-list"), {"q": "grace"}, **HTMX)
    assert "<html" not in response.content.decode()
    assert "Grace Hopper" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow(rep_client, rep, rows, django_assert_max_num_queries):
    campaign = CampaignFactory()
    LeadFactory.create_batch(rows, owner=rep, campaign=campaign)
    with django_assert_max_num_queries(7):
        assert rep_client.get(url("lead-list")).status_code == 200


def test_detail_shows_the_lead_and_its_activities(rep_client, rep, lead):
    ActivityFactory(owner=rep, deal=None, lead=lead, subject="First call")
    content = rep_client.get(url("lead-detail", lead.pk)).content.decode()
    assert "Grace Hopper" in content and "Navy Labs" in content and "First call" in content


def test_detail_is_not_found_for_an_outsider(lead, outsider):
    assert client_for(outsider).get(url("lead-detail", lead.pk)).status_code == 404


def test_create_follows_the_source_for_the_channel(rep_client, rep):
    response = rep_client.post(url("lead-create"), lead_data(rep))
    lead = Lead.objects.get(last_name="Lovelace")
    assert response["Location"] == lead.get_absolute_url()
    assert lead.channel == "inbound" and lead.owner == rep


def test_create_without_any_name_shows_the_service_error(rep_client, rep):
    response = rep_client.post(
        url("lead-create"), lead_data(rep, first_name="", last_name="", email="")
    )
    assert response.status_code == 200
    assert "Give at least a name" in response.content.decode()
    assert not Lead.objects.exists()


def test_create_shows_field_errors(rep_client, rep):
    response = rep_client.post(url("lead-create"), lead_data(rep, email="nope", source=""))
    form = response.context["form"]
    assert form.errors["email"] and form.errors["source"]
    assert not Lead.objects.exists()


def test_create_cannot_mark_a_lead_converted(rep_client, rep):
    response = rep_client.post(url("lead-create"), lead_data(rep, status="converted"))
    assert "Select a valid choice" in response.content.decode()
    assert not Lead.objects.exists()


def test_edit_saves_changes(rep_client, rep, lead):
    data = lead_data(
        rep,
        first_name="Grace",
        last_name="Hopper",
        email=lead.email,
        source="seo",
        channel="inbound",
        status="qualified",
        version=lead.version,
    )
    assert rep_client.post(url("lead-edit", lead.pk), data).status_code == 302
    lead.refresh_from_db()
    assert lead.status == "qualified" and lead.version == 2


def test_edit_with_a_stale_version_keeps_the_input(rep_client, rep, lead):
    Lead.objects.filter(pk=lead.pk).update(version=3)
    data = lead_data(rep, source="seo", channel="inbound", company="Mine", version=1)
    content = rep_client.post(url("lead-edit", lead.pk), data).content.decode()
    assert "changed by someone else" in content and 'value="Mine"' in content
    lead.refresh_from_db()
    assert lead.company == "Navy Labs"


def test_edit_is_forbidden_when_read_only(rep_client, public_lead):
    assert rep_client.get(url("lead-edit", public_lead.pk)).status_code == 403


def test_edit_is_not_found_for_an_outsider(lead, outsider):
    assert client_for(outsider).get(url("lead-edit", lead.pk)).status_code == 404


def test_delete_after_confirmation(rep_client, lead):
    assert b"Delete lead" in rep_client.get(url("lead-delete", lead.pk)).content
    rep_client.post(url("lead-delete", lead.pk))
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_delete_is_forbidden_when_read_only(rep_client, public_lead):
    assert rep_client.post(url("lead-delete", public_lead.pk)).status_code == 403
    assert Lead.objects.filter(pk=public_lead.pk).exists()


@pytest.mark.parametrize("name", ["lead-list", "lead-create", "lead-detail", "lead-edit"])
def test_pages_require_login(client, lead, name):
    args = [lead.pk] if name in ("lead-detail", "lead-edit") else []
    response = client.get(url(name, *args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
