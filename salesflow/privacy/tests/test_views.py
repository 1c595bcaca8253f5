from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.customers.models import Contact
from tests.factories import ContactFactory

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
