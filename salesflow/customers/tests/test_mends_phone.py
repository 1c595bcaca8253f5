"""A phone number invalid for the assumed region is refused; a doubtful one is kept with a note
(issue 12)."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from salesflow.core.normalize import normalize_phone, phone_doubt
from salesflow.customers.forms import ContactForm
from salesflow.customers.models import Contact
from salesflow.leads.forms import LeadForm
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

REFUSAL = "040 123 4567 is not a valid phone number for US; write it with the country code"


@pytest.fixture(autouse=True)
def _us(settings):
    settings.SALESFLOW_PHONE_REGION = "US"


def test_a_local_number_invalid_for_the_region_is_refused():
    with pytest.raises(ValidationError) as exc:
        normalize_phone("040 123 4567")
    assert REFUSAL in exc.value.messages[0]
    assert "+49 40 1234567" in exc.value.messages[0]


def test_the_same_number_with_its_country_code_is_accepted():
    assert normalize_phone("+49 40 1234567") == "+49401234567"
    assert normalize_phone("(201) 555-0123") == "+12015550123"
    assert phone_doubt("+49401234567") == ""


def test_a_possible_but_invalid_number_with_country_code_is_kept_with_a_note():
    assert normalize_phone("+1 040 123 4567") == "+10401234567"
    assert "may not be a valid number for +1" in phone_doubt("+10401234567")


@pytest.mark.parametrize("form_class", [ContactForm, LeadForm])
def test_contact_and_lead_forms_name_the_phone_field(rep, form_class):
    form = form_class({"last_name": "Hopper", "phone": "040 123 4567"}, user=rep)
    assert not form.is_valid()
    assert REFUSAL in form.errors["phone"][0]


def test_the_edit_page_refuses_and_keeps_the_stored_number(rep_client, rep):
    contact = ContactFactory(owner=rep, phone="+12015550123")
    form = ContactForm(user=rep, record=contact)
    data = {
        name: ("" if value is None else value)
        for name, value in ((n, form[n].value()) for n in form.fields)
        if not isinstance(value, (list, tuple))
    }
    data["phone"] = "040 123 4567"
    response = rep_client.post(reverse("customers:contact-edit", args=[contact.pk]), data)
    assert REFUSAL in html.unescape(response.content.decode())
    assert Contact.objects.get(pk=contact.pk).phone == "+12015550123"


def test_a_doubtful_number_shows_a_note_on_the_contact_page(rep_client, rep):
    contact = ContactFactory(owner=rep, phone="+10401234567")
    content = html.unescape(rep_client.get(contact.get_absolute_url()).content.decode())
    assert "may not be a valid number for +1" in content
