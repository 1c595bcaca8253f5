from __future__ import annotations

import json

import pytest
from auditlog.context import set_actor

from salesflow.activities.models import Activity
from salesflow.audit.models import AuditAction, AuditEvent
from salesflow.audit.selectors import record_history
from salesflow.core.errors import AccessDenied
from salesflow.customers.services import contact_update
from salesflow.pipeline.models import Deal
from salesflow.privacy.services import person_erase, person_export
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(rep):
    contact = ContactFactory(
        owner=rep, first_name="Anna", last_name="Meyer", email="anna@meyer.example",
        phone="+49301234567", hobbies="Sailing", family="Two daughters",
    )  # fmt: skip
    lead = LeadFactory(owner=rep, first_name="Anna", last_name="Meyer", email="anna@meyer.example")
    deal = DealFactory(owner=rep, account=contact.account, primary_contact=contact, amount=5000)
    ActivityFactory(owner=rep, deal=deal, contact=contact, subject="Call Anna about sailing")
    ActivityFactory(owner=rep, deal=None, lead=lead, subject="Anna asked for a demo")
    with set_actor(rep):
        contact_update(contact, acting_user=rep, hobbies="Sailing and chess")
    return contact


def test_export_holds_every_record_of_the_person_and_is_logged(person, admin_user):
    data = person_export(person, acting_user=admin_user)
    assert [c["hobbies"] for c in data["contacts"]] == ["Sailing and chess"]
    assert len(data["leads"]) == 1  # the lead with the same email is the same person
    assert {a["subject"] for a in data["activities"]} == {
        "Call Anna about sailing",
        "Anna asked for a demo",
    }
    assert data["contacts"][0]["deals"][0]["amount"] == "5000.00"
    assert any(entry["changes"] for entry in data["history"])
    json.dumps(data)  # plain JSON
    assert AuditEvent.objects.filter(action=AuditAction.PRIVACY_EXPORT, actor=admin_user).exists()


def test_export_names_the_contacts_account_and_the_deals_it_is_the_contact_of(person, admin_user):
    deal = Deal.objects.get(primary_contact=person)
    contact = person_export(person, acting_user=admin_user)["contacts"][0]
    assert contact["id"] == person.pk
    assert contact["account"] == person.account.name
    assert contact["deals"] == [
        {
            "id": deal.pk,
            "name": deal.name,
            "outcome": deal.outcome,
            "amount": "5000.00",
            "currency": deal.currency,
        }
    ]


def test_erasure_removes_the_person_everywhere_but_keeps_figures(person, admin_user):
    counts = person_erase(person, acting_user=admin_user)
    person.refresh_from_db()
    assert counts["contacts"] == 1 and counts["leads"] == 1 and counts["activities"] == 2
    assert person.email == "" and person.phone == "" and person.hobbies == ""
    assert "Anna" not in person.full_name and person.do_not_contact
    data = person_export(person, acting_user=admin_user)
    dumped = json.dumps(data)
    assert (
        "Anna" not in dumped and "sailing" not in dumped.lower() and "meyer" not in dumped.lower()
    )
    # Aggregate figures survive: the deal and its amount, the number of activities.
    assert Deal.objects.get(primary_contact=person).amount == 5000
    assert list(Activity.objects.values_list("subject", flat=True)) == ["Erased", "Erased"]
    assert all(entry.changes is None for entry in record_history(person))
    event = AuditEvent.objects.get(action=AuditAction.PRIVACY_ERASE)
    assert "Anna" not in json.dumps(event.details)


def test_only_admins_handle_privacy_requests(person, rep, manager):
    for user in (rep, manager):
        with pytest.raises(AccessDenied):
            person_export(person, acting_user=user)
        with pytest.raises(AccessDenied):
            person_erase(person, acting_user=user)
