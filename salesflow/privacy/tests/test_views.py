from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.customers.models import Contact
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["deal", "account", "Contact"])
def test_a_kind_of_record_that_holds_no_person_is_not_found(admin_user, kind):
    response = client_for(admin_user).get(f"/privacy/{kind}/1/")
    assert response.status_code == 404


def test_erase_of_an_unknown_kind_is_not_found_and_erases_nothing(admin_user):
    contact = ContactFactory(email="ines@example.com")
    response = client_for(admin_user).post(f"/privacy/deal/{contact.pk}/erase/")
    assert response.status_code == 404
    assert Contact.objects.get(pk=contact.pk).email == "ines@example.com"


def test_the_export_page_of_a_contact_shows_their_data(admin_user):
    contact = ContactFactory(email="ines@example.com")
    response = client_for(admin_user).get(f"/privacy/contact/{contact.pk}/")
    assert response.status_code == 200 and b"ines@example.com" in response.content


def test_the_export_page_lists_the_other_places_that_name_the_person(admin_user, rep):
    contact = ContactFactory(owner=rep, first_name="Ines", last_name="Varga", email="iv@x.example")
    DealFactory(owner=rep, name="Ines Varga renewal", primary_contact=contact)
    response = client_for(admin_user).get(f"/privacy/contact/{contact.pk}/")
    assert response.status_code == 200
    assert b"Deals (named after the person" in response.content
    assert b"Ines Varga renewal" in response.content


def test_erasing_through_the_page_renames_the_deal_and_says_what_it_did(admin_user, rep):
    contact = ContactFactory(owner=rep, first_name="Ines", last_name="Varga", email="iv@x.example")
    deal = DealFactory(owner=rep, name="Ines Varga renewal", primary_contact=contact)
    response = client_for(admin_user).post(
        f"/privacy/contact/{contact.pk}/erase/", {"confirm": "erase"}, follow=True
    )
    assert b"other record(s) and file(s)" in response.content
    deal.refresh_from_db()
    assert deal.name == f"Deal #{deal.pk}"


def test_erase_without_the_typed_confirmation_changes_nothing(admin_user, rep):
    contact = ContactFactory(owner=rep, first_name="Ines", last_name="Varga", email="iv@x.example")
    deal = DealFactory(owner=rep, name="Ines Varga renewal", primary_contact=contact)
    client_for(admin_user).post(f"/privacy/contact/{contact.pk}/erase/", {"confirm": "yes"})
    deal.refresh_from_db()
    contact.refresh_from_db()
    assert (deal.name, contact.email) == ("Ines Varga renewal", "iv@x.example")
