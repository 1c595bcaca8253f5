"""Custom fields where a user meets them: record forms, pages, lists, CSV exports, the API,
the change history and privacy requests."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from salesflow.customers.models import Account
from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.services import custom_field_create
from salesflow.pipeline.models import Deal
from tests.factories import ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin_user):
    def define(kind, key, type_, **extra):
        return custom_field_create(
            acting_user=admin_user, kind=kind, key=key, label=key.replace("_", " ").capitalize(),
            type=type_, **extra,
        )  # fmt: skip

    return {
        "visits": define(RecordKind.LEAD, "total_visits", FieldType.NUMBER, show_in_list=True),
        "origin": define(
            RecordKind.LEAD,
            "lead_origin",
            FieldType.CHOICE,
            show_in_list=True,
            choices=["Landing Page Submission", "API"],
            section="Engagement",
        ),
        "renewal": define(RecordKind.DEAL, "renewal_on", FieldType.DATE),
        "fleet": define(RecordKind.ACCOUNT, "fleet_size", FieldType.NUMBER, is_required=True),
        "hobby": define(RecordKind.CONTACT, "sailing_club", FieldType.TEXT, is_personal=True),
    }


def lead_form(lead, **changes):
    data = {
        "first_name": lead.first_name, "last_name": lead.last_name, "source": lead.source,
        "channel": lead.channel, "status": lead.status, "owner": lead.owner_id,
        "visibility": lead.visibility, "version": lead.version,
    }  # fmt: skip
    return {**data, **changes}


def test_the_edit_form_shows_custom_fields_in_their_section_and_saves_them(rep_client, rep, fields):
    lead = LeadFactory(owner=rep, custom={"total_visits": 3})
    url = reverse("leads:lead-edit", args=[lead.pk])
    html = rep_client.get(url).content.decode()
    assert "Engagement" in html and 'name="custom.total_visits"' in html and 'value="3"' in html
    response = rep_client.post(
        url, lead_form(lead, **{"custom.total_visits": "7", "custom.lead_origin": "api"})
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.custom == {"total_visits": 7, "lead_origin": "api"}
    assert lead.version == 2


def test_a_wrong_value_shows_on_its_field_and_nothing_is_saved(rep_client, rep, fields):
    lead = LeadFactory(owner=rep, custom={"total_visits": 3})
    response = rep_client.post(
        reverse("leads:lead-edit", args=[lead.pk]), lead_form(lead, **{"custom.total_visits": "x"})
    )
    assert response.status_code == 200
    assert "custom.total_visits" in response.context["form"].errors
    lead.refresh_from_db()
    assert lead.custom == {"total_visits": 3} and lead.version == 1


def test_a_required_custom_field_is_asked_for_when_creating(rep_client, rep, fields):
    data = {"name": "Acme", "tier": "B", "owner": rep.pk, "visibility": "team"}
    response = rep_client.post(reverse("customers:account-create"), data)
    assert response.status_code == 200
    assert "custom.fleet_size" in response.context["form"].errors
    assert not Account.objects.exists()
    rep_client.post(reverse("customers:account-create"), {**data, "custom.fleet_size": "40"})
    assert Account.objects.get().custom == {"fleet_size": 40}


def test_the_record_page_shows_values_by_section_with_choice_labels(rep_client, rep, fields):
    lead = LeadFactory(owner=rep, custom={"total_visits": 12, "lead_origin": "api"})
    html = rep_client.get(lead.get_absolute_url()).content.decode()
    assert "<h2" in html and ">Engagement</h2>" in html
    assert "<dt>Lead origin</dt><dd>API</dd>" in html
    assert "<dt>Total visits</dt><dd>12</dd>" in html


def test_the_list_shows_columns_and_filters_on_them(rep_client, rep, fields):
    LeadFactory(owner=rep, last_name="Many", custom={"total_visits": 12, "lead_origin": "api"})
    LeadFactory(owner=rep, last_name="Few", custom={"total_visits": 1})
    response = rep_client.get(reverse("leads:lead-list"), {"custom.total_visits__gte": "5"})
    names = [lead.last_name for lead in response.context["page_obj"]]
    assert names == ["Many"]
    html = response.content.decode()
    assert '<th scope="col">Total visits</th>' in html and "<td>API</td>" in html
    by_choice = rep_client.get(reverse("leads:lead-list"), {"custom.lead_origin": "api"})
    assert [lead.last_name for lead in by_choice.context["page_obj"]] == ["Many"]


def test_a_bad_list_filter_is_shown_and_left_out(rep_client, rep, fields):
    LeadFactory(owner=rep, last_name="Any")
    response = rep_client.get(reverse("leads:lead-list"), {"custom.nope": "1"})
    assert [lead.last_name for lead in response.context["page_obj"]] == ["Any"]
    assert "There is no lead field with the key" in response.content.decode()


def test_the_csv_export_has_a_column_per_custom_field_that_imports_back(rep_client, rep, fields):
    LeadFactory(owner=rep, last_name="Many", custom={"total_visits": 12, "lead_origin": "api"})
    response = rep_client.get(reverse("leads:lead-list"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = rows[0]
    assert row["custom.total_visits"] == "12"
    assert row["custom.lead_origin"] == "API"


def test_a_deal_date_field_round_trips_through_the_service(rep, fields):
    from salesflow.pipeline.services import deal_update

    deal = DealFactory(owner=rep)
    deal_update(deal, acting_user=rep, custom={"renewal_on": "2027-01-31"})
    assert Deal.objects.get(pk=deal.pk).custom == {"renewal_on": "2027-01-31"}


def test_the_change_history_records_custom_values(rep_client, rep, fields):
    from salesflow.leads.services import lead_update

    lead = LeadFactory(owner=rep)
    lead_update(lead, acting_user=rep, custom={"total_visits": 5})
    html = rep_client.get(lead.get_absolute_url()).content.decode()
    assert "total_visits" in html or "Total visits" in html
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(lead).latest("timestamp")
    assert "custom" in entry.changes_dict


def test_erasing_a_person_removes_personal_custom_values_and_keeps_the_rest(
    admin_user, rep, fields
):
    from salesflow.privacy.services import person_erase, person_export

    custom_field_create(acting_user=admin_user, kind="contact", key="shoe_size", label="Shoe size",
                        type=FieldType.NUMBER)  # fmt: skip
    contact = ContactFactory(owner=rep, custom={"sailing_club": "Kiel Yacht Club", "shoe_size": 44})
    exported = person_export(contact, acting_user=admin_user)
    assert exported["contacts"][0]["custom"] == {"sailing_club": "Kiel Yacht Club", "shoe_size": 44}
    person_erase(contact, acting_user=admin_user)
    contact.refresh_from_db()
    assert contact.custom == {"shoe_size": 44}


def test_a_web_form_lead_may_leave_a_required_field_for_the_rep(admin_user, rep, north, fields):
    from salesflow.leads.services import lead_capture_from_form, lead_create
    from salesflow.leads.tests.factories import CaptureFormFactory

    custom_field_create(
        acting_user=admin_user, kind="lead", key="budget_owner", label="Budget owner",
        type=FieldType.TEXT, is_required=True,
    )  # fmt: skip
    form = CaptureFormFactory(default_team=north, default_owner=rep)
    lead = lead_capture_from_form(
        form, data={"first_name": "Vera", "email": "vera@example.org"}, ip="203.0.113.9"
    )
    assert lead.pk and "budget_owner" not in lead.custom
    with pytest.raises(ValidationError, match="Budget owner is required"):
        lead_create(acting_user=rep, last_name="Typed in", source="seo")
