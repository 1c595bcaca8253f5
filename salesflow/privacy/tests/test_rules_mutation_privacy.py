"""Erasure at the level of each field (issue 14, mutation testing): a person erased through a
contact or a lead is gone from every lead with their email, field by field, so a rule that
forgets one field fails here."""

from __future__ import annotations

import pytest

from salesflow.customers.models import Contact
from salesflow.leads.models import Lead
from salesflow.privacy.services import person_erase, person_export
from tests.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

EMAIL = "anna@meyer.example"
LEAD_VALUES = {
    "first_name": "Anna", "last_name": "Meyer", "email": EMAIL, "phone": "+49301234567",
    "title": "Head of Fleet", "notes": "Met Anna at the fair", "website": "https://meyer.example",
}  # fmt: skip


def _lead_values(lead: Lead) -> dict[str, str]:
    lead.refresh_from_db()
    return {name: getattr(lead, name) for name in LEAD_VALUES}


def test_erasing_a_lead_blanks_every_personal_field_of_it(rep, admin_user):
    lead = LeadFactory(owner=rep, **LEAD_VALUES)

    counts = person_erase(lead, acting_user=admin_user)

    values = _lead_values(lead)
    assert counts["leads"] == 1
    assert values == {
        "first_name": "", "last_name": f"Erased person {lead.pk}", "email": "", "phone": "",
        "title": "", "notes": "", "website": "",
    }  # fmt: skip
    assert not Lead.objects.filter(email__iexact=EMAIL).exists()


def test_erasing_the_contact_also_erases_the_lead_with_the_same_email(rep, admin_user):
    contact = ContactFactory(owner=rep, first_name="Anna", last_name="Meyer", email=EMAIL)
    lead = LeadFactory(owner=rep, **{**LEAD_VALUES, "email": EMAIL.upper()})
    other = LeadFactory(owner=rep, first_name="Bob", last_name="Other", email="bob@x.example")

    person_erase(contact, acting_user=admin_user)

    values = _lead_values(lead)
    assert values["email"] == "" and values["phone"] == "" and values["first_name"] == ""
    assert "Meyer" not in values["last_name"]
    assert not Lead.objects.filter(email__iexact=EMAIL).exists()
    assert not Contact.objects.filter(email__iexact=EMAIL).exists()
    other.refresh_from_db()
    assert (other.first_name, other.email) == ("Bob", "bob@x.example")  # someone else stays


def test_after_erasure_a_second_request_for_the_email_finds_nothing_to_export(rep, admin_user):
    lead = LeadFactory(owner=rep, **LEAD_VALUES)
    person_erase(lead, acting_user=admin_user)
    lead.refresh_from_db()

    data = person_export(lead, acting_user=admin_user)

    assert EMAIL not in str(data).lower() and "anna" not in str(data).lower()


# Found by `make mutation` in session 12 (docs/testing.md): who "the person" is when the
# subject has no email, and records of the other kind that share the subject's id.


def test_a_subject_without_email_is_the_person_alone(rep, admin_user):
    contact = ContactFactory(owner=rep, email="", pk=777_777)
    ContactFactory(owner=rep, email="")  # someone else without an email
    LeadFactory(owner=rep, email="", pk=777_777)  # a lead that only shares the number

    exported = person_export(contact, acting_user=admin_user)

    assert [c["id"] for c in exported["contacts"]] == [contact.pk]
    assert exported["leads"] == []


def test_a_lead_without_email_is_the_person_alone(rep, admin_user):
    lead = LeadFactory(owner=rep, email="", pk=777_777)
    LeadFactory(owner=rep, email="")
    ContactFactory(owner=rep, email="", pk=777_777)

    exported = person_export(lead, acting_user=admin_user)

    assert [item["id"] for item in exported["leads"]] == [lead.pk]
    assert exported["contacts"] == []
    counts = person_erase(lead, acting_user=admin_user)
    assert (counts["leads"], counts.get("contacts", 0)) == (1, 0)
    assert Contact.objects.filter(pk=777_777).exclude(first_name="").exists()
