from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from salesflow.audit.models import AuditAction, AuditEvent
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def test_account_export_has_only_what_the_user_may_read_with_the_list_filters(
    client, rep, outsider
):
    AccountFactory(owner=rep, name="Harbour Cranes", tier="A")
    AccountFactory(owner=rep, name="Office Chairs", tier="C")
    AccountFactory(owner=outsider, name="Foreign Steel", tier="A")
    client.force_login(rep)
    response = client.get(reverse("customers:account-list"), {"tier": "A", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0][:2] == ["id", "name"]
    assert [row[1] for row in rows[1:]] == ["Harbour Cranes"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == rep and event.details["kind"] == "accounts"
    assert event.details["filters"] == {"tier": "A"} and event.details["rows"] == 1


def test_contact_export_neutralises_formulas(client, rep):
    ContactFactory(owner=rep, last_name='=HYPERLINK("http://x")', position="+1 trick")
    client.force_login(rep)
    rows = _rows(client.get(reverse("customers:contact-list"), {"format": "csv"}))
    assert rows[1][2].startswith("'=") and rows[1][3] == "'+1 trick"


def test_list_page_links_to_the_export_with_its_filters(client, rep):
    client.force_login(rep)
    response = client.get(reverse("customers:account-list"), {"tier": "B", "page": "1"})
    assert 'href="?tier=B&amp;format=csv"' in response.content.decode()


def test_activity_export_leaves_out_other_teams_activities(client, rep, outsider):
    from tests.factories import ActivityFactory

    ActivityFactory(owner=rep, subject="Call about cranes")
    ActivityFactory(owner=outsider, subject="Secret call")
    client.force_login(rep)
    rows = _rows(client.get(reverse("activities:activity-list"), {"format": "csv"}))
    assert [row[2] for row in rows[1:]] == ["Call about cranes"]


def test_deal_and_lead_exports_leave_out_other_teams_records(client, rep, outsider):
    from tests.factories import DealFactory, LeadFactory

    DealFactory(owner=rep, name="Harbour cranes")
    DealFactory(owner=outsider, name="Foreign deal")
    LeadFactory(owner=rep, last_name="Visible")
    LeadFactory(owner=outsider, last_name="Hidden")
    client.force_login(rep)
    deals = _rows(client.get(reverse("pipeline:deal-list"), {"format": "csv"}))
    leads = _rows(client.get(reverse("leads:lead-list"), {"format": "csv"}))
    assert [row[1] for row in deals[1:]] == ["Harbour cranes"]
    assert [row[2] for row in leads[1:]] == ["Visible"]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2
