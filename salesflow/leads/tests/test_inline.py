"""Inline edit of a lead's owner and status (salesflow/leads/views_inline.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.leads.models import Lead
from salesflow.users.models import Visibility
from tests.factories import LeadFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def inline_url(lead: Lead, field: str) -> str:
    return reverse(f"leads:lead-inline-{field}", args=[lead.pk])


@pytest.fixture
def lead(rep):
    return LeadFactory(owner=rep, status="new")


def test_the_status_changes_in_place(rep_client, lead):
    response = rep_client.post(
        inline_url(lead, "status"), {"status": "working", "version": lead.version}, **HTMX
    )
    assert response.status_code == 200
    assert 'class="badge badge--status-working"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "working" and lead.version == 2


def test_qualifying_in_place_is_refused_next_to_the_field(rep_client, lead):
    response = rep_client.post(
        inline_url(lead, "status"), {"status": "qualified", "version": lead.version}, **HTMX
    )
    content = response.content.decode()
    assert "BANT" in content and 'aria-invalid="true"' in content
    lead.refresh_from_db()
    assert lead.status == "new" and lead.version == 1


def test_the_owner_changes_to_a_teammate(rep_client, lead, teammate):
    response = rep_client.post(
        inline_url(lead, "owner"), {"owner": teammate.pk, "version": lead.version}, **HTMX
    )
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.owner_id == teammate.pk


def test_a_stale_inline_edit_answers_409_and_keeps_the_other_change(rep_client, lead, teammate):
    read = lead.version
    rep_client.post(inline_url(lead, "status"), {"status": "working", "version": read}, **HTMX)
    response = rep_client.post(
        inline_url(lead, "owner"), {"owner": teammate.pk, "version": read}, **HTMX
    )
    assert response.status_code == 409
    assert "Someone else saved this lead" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "working" and lead.owner_id != teammate.pk


@pytest.mark.parametrize("field", ["owner", "status"])
def test_a_read_only_reader_is_refused_and_nothing_changes(rep_client, outsider, field):
    shared = LeadFactory(owner=outsider, visibility=Visibility.EVERYONE, status="new")
    data = {"status": "working", "owner": outsider.pk, "version": shared.version}
    assert rep_client.post(inline_url(shared, field), data, **HTMX).status_code == 403
    shared.refresh_from_db()
    assert shared.status == "new" and shared.version == 1


def test_an_outsider_does_not_find_the_lead(lead, outsider):
    data = {"status": "working", "version": lead.version}
    assert client_for(outsider).post(inline_url(lead, "status"), data).status_code == 404
    lead.refresh_from_db()
    assert lead.status == "new"


def test_the_lead_list_and_page_link_owner_and_status_to_their_small_forms(rep_client, lead):
    content = rep_client.get(reverse("leads:lead-list")).content.decode()
    assert f'href="{inline_url(lead, "status")}?next=' in content
    assert f'href="{inline_url(lead, "owner")}?next=' in content
    page = rep_client.get(lead.get_absolute_url()).content.decode()
    assert f'hx-get="{inline_url(lead, "status")}"' in page
    assert f'hx-get="{inline_url(lead, "owner")}"' in page


@pytest.mark.parametrize("field", ["owner", "status"])
def test_the_small_form_opens_in_place(rep_client, lead, field):
    response = rep_client.get(inline_url(lead, field), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().startswith('<form class="inline-field inline-field--editing"')
