"""The custom fields settings page: an admin defines, renames, archives and retypes fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.customfields.models import CustomField, FieldType
from salesflow.customfields.services import custom_field_create
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(f"customfield-settings:{name}", args=args)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


def test_an_admin_defines_a_choice_field_from_the_page(admin_client):
    response = admin_client.post(
        url("field-create"),
        {"kind": "lead", "key": "lead_origin", "label": "Lead origin", "type": "choice",
         "choices_text": "Landing Page Submission\nAPI", "section": "Engagement"},
    )  # fmt: skip
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert field.choices == [
        {"key": "landing_page_submission", "label": "Landing Page Submission", "archived": False},
        {"key": "api", "label": "API", "archived": False},
    ]
    listing = admin_client.get(url("field-list")).content.decode()
    assert "Lead origin" in listing and "<code>lead_origin</code>" in listing


def test_a_bad_key_is_shown_on_its_field_and_nothing_is_created(admin_client):
    response = admin_client.post(
        url("field-create"), {"kind": "lead", "key": "Total Visits", "label": "V", "type": "number"}
    )
    assert response.status_code == 200
    assert "key" in response.context["form"].errors
    assert not CustomField.objects.exists()


def test_renaming_a_choice_on_the_page_keeps_the_values(admin_client, admin_user, rep):
    field = custom_field_create(
        acting_user=admin_user, kind="lead", key="origin", label="Origin", type="choice",
        choices=["API", "Form"],
    )  # fmt: skip
    lead = LeadFactory(owner=rep, custom={"origin": "api"})
    page = admin_client.get(url("field-edit", field.pk)).content.decode()
    assert "api = API" in page
    response = admin_client.post(
        url("field-edit", field.pk),
        {"label": "Origin", "choices_text": "api = Our API\nform = Form", "position": 1},
    )
    assert response.status_code == 302
    field.refresh_from_db()
    lead.refresh_from_db()
    assert field.choice_label("api") == "Our API" and lead.custom == {"origin": "api"}


def test_archiving_and_restoring_from_the_page(admin_client, admin_user):
    field = custom_field_create(
        acting_user=admin_user, kind="deal", key="renewal_on", label="Renewal", type="date"
    )
    admin_client.post(url("field-archive", field.pk))
    field.refresh_from_db()
    assert field.is_archived
    admin_client.post(url("field-archive", field.pk), {"restore": "1"})
    field.refresh_from_db()
    assert not field.is_archived


def test_a_type_change_that_would_lose_values_is_refused_on_the_page(admin_client, admin_user, rep):
    field = custom_field_create(
        acting_user=admin_user, kind="lead", key="visits", label="Visits", type="text"
    )
    LeadFactory(owner=rep, custom={"visits": "a dozen"})
    response = admin_client.post(url("field-type", field.pk), {"to_type": FieldType.NUMBER})
    assert response.status_code == 200
    assert "1 stored value would not convert" in response.content.decode()
    field.refresh_from_db()
    assert field.type == FieldType.TEXT


def test_a_manager_cannot_define_fields(manager):
    response = client_for(manager).post(
        url("field-create"), {"kind": "lead", "key": "x", "label": "X", "type": "text"}
    )
    assert response.status_code == 403
    assert not CustomField.objects.exists()
