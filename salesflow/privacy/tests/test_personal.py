"""How a person's values are recognised in free text (salesflow.core.personal), and what an
erasure leaves alone."""

from __future__ import annotations

import pytest

from salesflow.audit.models import AuditEvent
from salesflow.core.personal import ERASED_MARK, Person, personal_data_places
from salesflow.customers.models import Account, Contact
from salesflow.privacy.services import person_erase
from tests.factories import AccountFactory, ContactFactory, DealFactory


def anna() -> Person:
    person = Person()
    person.add_values(
        first_name="Anna", last_name="Meyer", email="Anna.Meyer@Example.com", phone="+493098765432"
    )
    return person


@pytest.mark.parametrize(
    "text",
    [
        "call +49 30 98765432",
        "call +49 (0)30 9876-5432",
        "call 030/98765432",
        "call 0049 30 987 654 32",
        "mail ANNA.MEYER@example.COM",
        "met Anna Meyer today",
        "met Meyer, Anna today",
        "met anna   meyer today",
    ],
)
def test_strong_values_are_found_however_they_are_written(text):
    person = anna()
    assert person.mentions(text)
    assert ERASED_MARK in person.scrub(text)
    assert not anna().mentions(person.scrub(text))


@pytest.mark.parametrize("text", ["invoice 1309876543299", "Anna from sales", "Mr Meyer called"])
def test_a_longer_number_or_a_name_alone_is_not_the_person_in_unrelated_text(text):
    assert not anna().mentions(text)
    assert anna().scrub(text) == text


def test_in_linked_text_the_first_or_last_name_alone_goes_as_a_word():
    person = anna()
    assert person.scrub("Ask Anna; Meyers and Annabel stay", linked=True) == (
        f"Ask {ERASED_MARK}; Meyers and Annabel stay"
    )


def test_json_values_are_scrubbed_keys_stay():
    assert anna().scrub_data({"Anna Meyer": ["x", {"to": "anna.meyer@example.com"}]}) == {
        "Anna Meyer": ["x", {"to": ERASED_MARK}]
    }


@pytest.mark.django_db
def test_non_ascii_names_are_found_in_json_columns_too(admin_user):
    """SQLite stores JSON with \\u escapes, PostgreSQL as text: both are searched."""
    event = AuditEvent.objects.create(
        action="export", at="2026-01-01T00:00Z", details={"note": "Jürgen Müller asked"}
    )
    person = Person()
    person.add_values(first_name="Jürgen", last_name="Müller")
    place = next(p for p in personal_data_places() if p.key == "audit.events")
    assert [item["id"] for item in place.find(person)] == [event.pk]
    place.erase(person)
    event.refresh_from_db()
    assert event.details == {"note": f"{ERASED_MARK} asked"}


@pytest.mark.django_db
def test_a_namesake_and_a_company_sharing_the_name_keep_theirs(admin_user, rep):
    account = AccountFactory(owner=rep, name="Meyer Logistics GmbH")
    anna_contact = ContactFactory(
        owner=rep, account=account, first_name="Anna", last_name="Meyer", email="anna@a.example"
    )
    namesake = ContactFactory(
        owner=rep, first_name="Anna", last_name="Meyer", email="other@b.example", notes="Tall"
    )
    deal = DealFactory(owner=rep, account=account, name="Meyer Logistics expansion")

    person_erase(anna_contact, acting_user=admin_user)

    namesake.refresh_from_db()
    assert (namesake.first_name, namesake.last_name, namesake.email) == (
        "Anna", "Meyer", "other@b.example",
    )  # fmt: skip
    assert Account.objects.get(pk=account.pk).name == "Meyer Logistics GmbH"
    # A deal of the account that she is not on is not hers.
    deal.refresh_from_db()
    assert deal.name == "Meyer Logistics expansion"
    assert Contact.objects.get(pk=anna_contact.pk).last_name == f"Erased person {anna_contact.pk}"
