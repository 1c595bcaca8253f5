from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.customers.models import Account, Contact
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"customers:{name}", args=args)


@pytest.fixture
def account(rep):
    return AccountFactory(owner=rep, name="Acme Logistics", industry="Logistics")


@pytest.fixture
def public_account(outsider):
    return AccountFactory(owner=outsider, visibility=Visibility.EVERYONE, name="Open Book Ltd")


@pytest.fixture
def contact(rep, account):
    return ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def public_contact(outsider):
    return ContactFactory(owner=outsider, visibility=Visibility.EVERYONE, last_name="Public")


# Accounts


def test_account_list_shows_readable_accounts_only(rep_client, account, outsider):
    AccountFactory(owner=outsider, name="Foreign Corp")
    response = rep_client.get(url("account-list"))
    assert response.status_code == 200
    assert "Acme Logistics" in response.content.decode()
    assert "Foreign Corp" not in response.content.decode()


def test_account_list_searches_and_filters(rep_client, rep, account):
    AccountFactory(owner=rep, name="Bolt Bikes", industry="Retail", tier="A")
    content = rep_client.get(url("account-list"), {"q": "acme"}).content.decode()
    assert "Acme Logistics" in content and "Bolt Bikes" not in content
    content = rep_client.get(url("account-list"), {"tier": "A", "industry": "Retail"}).content
    assert b"Bolt Bikes" in content and b"Acme Logistics" not in content


def test_account_list_offers_industries_of_visible_accounts_only(rep_client, account, outsider):
    AccountFactory(owner=outsider, industry="Secret Industry")
    choices = dict(rep_client.get(url("account-list")).context["form"].fields["industry"].choices)
    assert "Logistics" in choices and "Secret Industry" not in choices


def test_account_list_answers_htmx_with_only_the_results(rep_client, account):
    response = rep_client.get(url("account-list"), {"q": "acme"}, **HTMX)
    assert "<html" not in response.content.decode()
    assert "Acme Logistics" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_account_list_query_count_does_not_grow(
    rep_client, rep, rows, django_assert_max_num_queries
):
    AccountFactory.create_batch(rows, owner=rep)
    # +1: custom fields, +1: the tiers (filter), +2: saved views bar
    with django_assert_max_num_queries(12):
        assert rep_client.get(url("account-list")).status_code == 200


def test_account_detail_shows_contacts_deals_and_activities(rep_client, rep, account, contact):
    DealFactory(owner=rep, account=account, name="Fleet renewal")
    ActivityFactory(owner=rep, deal=None, account=account, subject="Site visit")
    content = rep_client.get(url("account-detail", account.pk)).content.decode()
    assert "Ada Lovelace" in content and "Fleet renewal" in content and "Site visit" in content


def test_account_detail_hides_deals_the_user_cannot_read(rep_client, account, outsider):
    DealFactory(owner=outsider, account=account, name="Their deal")
    assert "Their deal" not in rep_client.get(url("account-detail", account.pk)).content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_account_detail_query_count_does_not_grow(
    rep_client, rep, account, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        deal = DealFactory(owner=rep, account=account)
        ContactFactory(owner=rep, account=account)
        ActivityFactory(owner=rep, deal=deal)
    # +1: custom fields, +1: child accounts; customer 360: +2 deals (open, closed, totals),
    # +1 stakeholder roles, +1 quotes, +1 objections, +1 referred by; +1 tiers
    with django_assert_max_num_queries(18):
        assert rep_client.get(url("account-detail", account.pk)).status_code == 200


def test_account_detail_is_not_found_for_an_outsider(account, outsider):
    assert client_for(outsider).get(url("account-detail", account.pk)).status_code == 404


def test_account_create_saves_through_the_service(rep_client, rep):
    response = rep_client.post(
        url("account-create"),
        {"name": "Bolt Bikes", "tier": "A", "owner": rep.pk, "visibility": "team"},
    )
    account = Account.objects.get(name="Bolt Bikes")
    assert response["Location"] == account.get_absolute_url()
    assert account.owner == rep and account.team == rep.teams.first()


def test_account_create_shows_errors_and_saves_nothing(rep_client, rep):
    response = rep_client.post(
        url("account-create"), {"name": "", "website": "not a url", "owner": rep.pk}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" in content and "Enter a valid URL" in content
    assert not Account.objects.exists()


def test_account_create_refuses_a_name_an_account_has_next_to_the_name(rep_client, rep):
    AccountFactory(owner=rep, name="Bolt Bikes")
    response = rep_client.post(
        url("account-create"),
        {"name": "bolt  BIKES", "tier": "A", "owner": rep.pk, "visibility": "team"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["The account “Bolt Bikes” already exists."]
    assert Account.objects.count() == 1


def test_account_create_refuses_an_owner_outside_the_team(rep_client, outsider):
    response = rep_client.post(
        url("account-create"),
        {"name": "Bolt Bikes", "tier": "C", "owner": outsider.pk, "visibility": "team"},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Account.objects.filter(name="Bolt Bikes").exists()


def test_account_edit_saves_changes(rep_client, rep, account):
    response = rep_client.post(
        url("account-edit", account.pk),
        {
            "name": "Acme Freight",
            "tier": "A",
            "owner": rep.pk,
            "visibility": "team",
            "version": account.version,
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Acme Freight" and account.tier == "A" and account.version == 2


def test_account_edit_with_a_stale_version_shows_both_versions(rep_client, rep, account):
    Account.objects.filter(pk=account.pk).update(version=5, name="Changed elsewhere")
    response = rep_client.post(
        url("account-edit", account.pk),
        {"name": "Mine", "tier": "B", "owner": rep.pk, "visibility": "team", "version": 1},
    )
    content = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this account" in content
    assert "Mine" in content and "Changed elsewhere" in content
    account.refresh_from_db()
    assert account.name == "Changed elsewhere"


def test_account_edit_is_forbidden_when_read_only(rep_client, public_account):
    assert rep_client.get(url("account-edit", public_account.pk)).status_code == 403


def test_account_edit_is_not_found_for_an_outsider(account, outsider):
    assert client_for(outsider).get(url("account-edit", account.pk)).status_code == 404


def test_account_delete_refuses_while_deals_exist(rep_client, rep, account):
    DealFactory(owner=rep, account=account)
    response = rep_client.post(url("account-delete", account.pk), follow=True)
    assert "has deals" in response.content.decode()
    assert Account.objects.filter(pk=account.pk).exists()


def test_account_delete_after_confirmation(rep_client, account):
    assert rep_client.get(url("account-delete", account.pk)).status_code == 200
    rep_client.post(url("account-delete", account.pk))
    assert not Account.objects.filter(pk=account.pk).exists()


def test_account_delete_is_forbidden_when_read_only(rep_client, public_account):
    assert rep_client.post(url("account-delete", public_account.pk)).status_code == 403


# Contacts


def test_contact_list_searches_by_name_and_account(rep_client, rep, contact):
    ContactFactory(owner=rep, first_name="Grace", last_name="Hopper")
    content = rep_client.get(url("contact-list"), {"q": "ada love"}).content.decode()
    assert "Ada Lovelace" in content and "Grace Hopper" not in content
    content = rep_client.get(url("contact-list"), {"q": "acme"}).content.decode()
    assert "Ada Lovelace" in content


def test_contact_list_filters_do_not_contact(rep_client, rep, contact):
    ContactFactory(owner=rep, last_name="Quiet", do_not_contact=True)
    content = rep_client.get(url("contact-list"), {"consent": "dnc"}).content.decode()
    assert "Quiet" in content and "Lovelace" not in content


def test_contact_list_answers_htmx_with_only_the_results(rep_client, contact):
    response = rep_client.get(url("contact-list"), {"q": "ada"}, **HTMX)
    assert "<html" not in response.content.decode() and "Ada Lovelace" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_contact_list_query_count_does_not_grow(
    rep_client, rep, rows, django_assert_max_num_queries
):
    ContactFactory.create_batch(rows, owner=rep)
    # +1: custom fields, +2: saved views bar
    with django_assert_max_num_queries(9):
        assert rep_client.get(url("contact-list")).status_code == 200


def test_contact_detail_shows_profile_and_do_not_contact(rep_client, rep, account):
    contact = ContactFactory(
        owner=rep,
        account=account,
        hobbies="Sailing",
        cultural_background="Grew up in Porto",
        do_not_contact=True,
    )
    content = rep_client.get(url("contact-detail", contact.pk)).content.decode()
    assert "Sailing" in content and "Grew up in Porto" in content
    assert "Do not contact." in content
    assert "No consent" in content


def test_contact_detail_is_not_found_for_an_outsider(contact, outsider):
    assert client_for(outsider).get(url("contact-detail", contact.pk)).status_code == 404


def test_contact_create_normalises_the_phone(rep_client, rep, account):
    response = rep_client.post(
        url("contact-create"),
        {
            "last_name": "Hopper",
            "account": account.pk,
            "phone": "+49 30 1234567",
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    contact = Contact.objects.get(last_name="Hopper")
    assert response.status_code == 302
    assert contact.phone == "+49301234567" and contact.account == account


def test_contact_create_shows_a_bad_phone_next_to_the_field(rep_client, rep):
    response = rep_client.post(
        url("contact-create"),
        {"last_name": "Hopper", "phone": "12", "owner": rep.pk, "visibility": "team"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not Contact.objects.exists()


def test_contact_create_offers_only_visible_accounts(rep_client, account, outsider):
    foreign = AccountFactory(owner=outsider)
    accounts = rep_client.get(url("contact-create")).context["form"].fields["account"].queryset
    assert account in accounts and foreign not in accounts


def test_contact_edit_saves_the_profile(rep_client, rep, contact):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "account": contact.account_id,
        "email": contact.email,
        "hobbies": "Mathematics, poetry",
        "has_consent": "on",
        "owner": rep.pk,
        "visibility": "team",
        "version": contact.version,
    }
    assert rep_client.post(url("contact-edit", contact.pk), data).status_code == 302
    contact.refresh_from_db()
    assert contact.hobbies == "Mathematics, poetry" and contact.has_consent


def test_contact_edit_is_forbidden_when_read_only(rep_client, public_contact):
    assert rep_client.get(url("contact-edit", public_contact.pk)).status_code == 403


def test_contact_delete_after_confirmation(rep_client, contact):
    rep_client.post(url("contact-delete", contact.pk))
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contact_delete_is_forbidden_when_read_only(rep_client, public_contact):
    assert rep_client.post(url("contact-delete", public_contact.pk)).status_code == 403


@pytest.mark.parametrize(
    ("name", "needs_pk"),
    [
        ("account-list", False),
        ("account-create", False),
        ("account-detail", True),
        ("account-edit", True),
        ("contact-list", False),
        ("contact-detail", True),
    ],
)
def test_pages_require_login(client, account, name, needs_pk):
    response = client.get(url(name, account.pk) if needs_pk else url(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
