from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.customers.models import Contact
from tests.factories import AccountFactory, ContactFactory

LIST_QUERIES = 5


def test_rep_creates_a_contact_with_email_and_phone_normalised(api_as, rep, settings):
    settings.SALESFLOW_PHONE_REGION = "DE"
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        "/contacts",
        {
            "account_id": account.pk,
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "  Grace.Hopper@Example.COM ",
            "phone": "030 1234567",
            "birthday": "1906-12-09",
            "hobbies": "Sailing",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "grace.hopper@example.com"
    assert body["phone"] == "+49301234567"
    assert body["account_id"] == account.pk
    assert body["full_name"] == "Grace Hopper"
    assert body["birthday"] == "1906-12-09"
    assert body["owner_id"] == rep.pk
    assert body["version"] == 1


def test_rep_reads_a_teammates_contact(api_as, rep, teammate):
    contact = ContactFactory(owner=teammate, last_name="Turing")

    response = api_as(rep).get(f"/contacts/{contact.pk}")

    assert response.status_code == 200
    assert response.json()["last_name"] == "Turing"


def test_list_filters_contacts_by_name_account_and_email(api_as, rep):
    grace = ContactFactory(owner=rep, first_name="Grace", last_name="Hopper", email="g@navy.mil")
    alan = ContactFactory(owner=rep, first_name="Alan", last_name="Turing", email="alan@bp.uk")
    api = api_as(rep)

    assert ids(api.get("/contacts", {"q": "hopp"})) == {grace.pk}
    assert ids(api.get("/contacts", {"q": "bp.uk"})) == {alan.pk}
    assert ids(api.get("/contacts", {"account_id": alan.account_id})) == {alan.pk}
    assert ids(api.get("/contacts", {"email": "G@Navy.mil"})) == {grace.pk}
    assert api.get("/contacts").json()["count"] == 2


def test_patch_moves_a_contact_to_another_account_and_bumps_the_version(api_as, rep):
    contact = ContactFactory(owner=rep, position="CTO")
    other = AccountFactory(owner=rep)

    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"account_id": other.pk, "version": 1})

    assert response.status_code == 200
    assert response.json()["account_id"] == other.pk
    assert response.json()["version"] == 2
    contact.refresh_from_db()
    assert (contact.account_id, contact.position) == (other.pk, "CTO")


def test_patch_with_null_account_detaches_the_contact(api_as, rep):
    contact = ContactFactory(owner=rep)

    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"account_id": None})

    assert response.json()["account_id"] is None


def test_delete_removes_the_contact(api_as, rep):
    contact = ContactFactory(owner=rep)

    response = api_as(rep).delete(f"/contacts/{contact.pk}")

    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "grace@"), ("email", "not an email"), ("phone", "12"), ("phone", "call me")],
)
def test_a_malformed_email_or_phone_answers_422_naming_it(api_as, rep, field, value):
    response = api_as(rep).post("/contacts", {"last_name": "Hopper", field: value})

    assert invalid_fields(response) == {field}
    assert not Contact.objects.exists()


def test_a_malformed_email_in_a_patch_answers_422_and_changes_nothing(api_as, rep):
    contact = ContactFactory(owner=rep, email="grace@example.com")

    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"email": "grace@@example"})

    assert invalid_fields(response) == {"email"}
    contact.refresh_from_db()
    assert contact.email == "grace@example.com"


def test_create_without_a_last_name_answers_422_naming_last_name(api_as, rep):
    assert invalid_fields(api_as(rep).post("/contacts", {"first_name": "Grace"})) == {"last_name"}


def test_an_account_the_user_cannot_see_answers_422_naming_account_id(api_as, rep, outsider):
    hidden = AccountFactory(owner=outsider)

    response = api_as(rep).post("/contacts", {"last_name": "Hopper", "account_id": hidden.pk})

    assert invalid_fields(response) == {"account_id"}
    assert not Contact.objects.exists()


def test_an_unknown_contact_answers_404(api_as, rep):
    assert api_as(rep).get("/contacts/999999").status_code == 404


def test_outsider_gets_404_for_a_teammates_contact_and_does_not_list_it(api_as, outsider, teammate):
    contact = ContactFactory(owner=teammate, last_name="Secret")
    api = api_as(outsider)

    assert api.get(f"/contacts/{contact.pk}").status_code == 404
    assert api.patch(f"/contacts/{contact.pk}", {"last_name": "Mine"}).status_code == 404
    assert api.delete(f"/contacts/{contact.pk}").status_code == 404
    assert contact.pk not in ids(api.get("/contacts"))
    assert ids(api.get("/contacts", {"q": "secret"})) == set()


def test_patch_of_a_contact_shared_read_only_answers_403(api_as, rep, outsider):
    contact = ContactFactory(owner=outsider, last_name="Shared", visibility="everyone")

    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"last_name": "Mine"})

    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.last_name == "Shared"


def test_a_stale_version_answers_409_and_changes_nothing(api_as, rep):
    contact = ContactFactory(owner=rep, last_name="Hopper")
    contact.version = 3
    contact.save()

    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"last_name": "Other", "version": 2})

    assert response.status_code == 409
    contact.refresh_from_db()
    assert (contact.last_name, contact.version) == ("Hopper", 3)


def test_listing_contacts_takes_a_constant_number_of_queries(
    api_as, rep, teammate, django_assert_max_num_queries
):
    for owner in (rep, teammate) * 4:
        ContactFactory(owner=owner)
    api = api_as(rep)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("/contacts")

    assert response.json()["count"] == 8
