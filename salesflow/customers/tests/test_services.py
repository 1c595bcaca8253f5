from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import AccessDenied, ConflictError
from salesflow.customers.models import Account
from salesflow.customers.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_update,
)
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_new_account_belongs_to_its_creator_and_their_team(rep, north):
    account = account_create(acting_user=rep, name="Acme Logistics", tier="A")
    assert account.owner == rep and account.team == north and account.version == 1


def test_rep_cannot_give_a_record_to_someone_outside_their_teams(rep, outsider):
    with pytest.raises(ValidationError) as exc:
        account_create(acting_user=rep, name="Acme", owner=outsider)
    assert "owner" in exc.value.message_dict


def test_reassigning_to_a_teammate_keeps_the_team(rep, teammate, north):
    account = AccountFactory(owner=rep)
    account_update(account, acting_user=rep, owner=teammate)
    account.refresh_from_db()
    assert account.owner == teammate and account.team == north and account.version == 2


def test_contact_email_and_phone_are_normalised(rep):
    contact = contact_create(
        acting_user=rep,
        last_name="Meyer",
        email="  Anna.Meyer@Example.COM ",
        phone="+49 30 1234567",
    )
    assert contact.email == "anna.meyer@example.com"
    assert contact.phone == "+49301234567"


def test_bad_email_and_phone_are_named(rep):
    contact = ContactFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        contact_update(contact, acting_user=rep, email="anna@", phone="abc")
    assert set(exc.value.message_dict) == {"email", "phone"}
    contact.refresh_from_db()
    assert contact.email.endswith("@example.org")


def test_stale_contact_edit_is_refused(rep, teammate):
    contact = ContactFactory(owner=rep)
    contact_update(contact, acting_user=teammate, hobbies="Sailing", expected_version=1)
    with pytest.raises(ConflictError):
        contact_update(contact, acting_user=rep, hobbies="Golf", expected_version=1)
    contact.refresh_from_db()
    assert contact.hobbies == "Sailing"


def test_outsider_cannot_change_an_account(rep, outsider):
    account = AccountFactory(owner=rep, visibility="everyone")
    with pytest.raises(AccessDenied):
        account_update(account, acting_user=outsider, name="Hijacked")


def test_account_with_deals_cannot_be_deleted(rep):
    deal = DealFactory(owner=rep)
    with pytest.raises(ValidationError):
        account_delete(deal.account, acting_user=rep)


def test_an_account_name_a_readable_account_has_is_refused_in_any_capitals(rep, teammate):
    existing = AccountFactory(owner=teammate, name="Acme Logistics")
    with pytest.raises(ValidationError) as exc:
        account_create(acting_user=rep, name="  ACME   logistics ")
    assert exc.value.message_dict == {"name": ["The account “Acme Logistics” already exists."]}
    assert list(Account.objects.values_list("pk", flat=True)) == [existing.pk]


def test_an_account_the_user_cannot_read_neither_blocks_nor_is_named(rep, outsider):
    AccountFactory(owner=outsider, name="Acme Logistics", visibility=Visibility.TEAM)
    account = account_create(acting_user=rep, name="Acme Logistics")
    assert Account.objects.filter(name_key=account.name_key).count() == 2


def test_renaming_an_account_to_a_name_another_has_is_refused_and_changes_nothing(rep):
    AccountFactory(owner=rep, name="Globex")
    account = AccountFactory(owner=rep, name="Initech")
    with pytest.raises(ValidationError) as exc:
        account_update(account, acting_user=rep, name="globex", industry="Retail")
    assert "name" in exc.value.message_dict
    account.refresh_from_db()
    assert (account.name, account.industry, account.version) == ("Initech", "Software", 1)
    # Its own name in other capitals is not a clash.
    account_update(account, acting_user=rep, name="INITECH")
    account.refresh_from_db()
    assert account.name == "INITECH"
