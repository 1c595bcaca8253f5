"""The API refuses a phone number invalid for the assumed region with a 422 naming the field
(issue 12)."""

from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import invalid_fields
from salesflow.customers.models import Contact
from salesflow.leads.models import Lead
from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _us(settings):
    settings.SALESFLOW_PHONE_REGION = "US"


@pytest.mark.parametrize(
    ("path", "model", "extra"),
    [("/contacts", Contact, {}), ("/leads", Lead, {"source": "referral"})],
)
def test_a_local_number_invalid_for_the_region_answers_422(api_as, rep, path, model, extra):
    body = {"last_name": "Hopper", "phone": "040 123 4567", **extra}
    response = api_as(rep).post(path, body)
    assert invalid_fields(response) == {"phone"}
    assert "not a valid phone number for US" in response.content.decode()
    assert not model.objects.exists()


def test_a_patch_with_such_a_number_changes_nothing(api_as, rep):
    contact = ContactFactory(owner=rep, phone="+12015550123")
    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"phone": "040 123 4567"})
    assert invalid_fields(response) == {"phone"}
    assert Contact.objects.get(pk=contact.pk).phone == "+12015550123"


def test_with_the_country_code_it_is_accepted(api_as, rep):
    response = api_as(rep).post("/contacts", {"last_name": "Hopper", "phone": "+49 40 1234567"})
    assert response.status_code == 201
    assert response.json()["phone"] == "+49401234567"
