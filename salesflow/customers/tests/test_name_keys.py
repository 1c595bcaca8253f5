"""The stored name keys of accounts and contacts: written with every name, found in any capitals."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import (
    accounts_name_key_q,
    accounts_visible_to,
    contacts_name_key_q,
    contacts_visible_to,
)
from salesflow.customers.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salesflow.privacy.services import person_erase

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("salesflow.customers.migrations.0003_account_contact_name_key")


def test_a_new_account_stores_its_name_key(rep):
    account = account_create(acting_user=rep, name="  Ärzte   GmbH ")
    account.refresh_from_db()
    assert account.name_key == "ärzte gmbh"


def test_renaming_an_account_keeps_its_name_key_in_step(rep):
    account = account_create(acting_user=rep, name="Ärzte GmbH")

    account_update(account, acting_user=rep, name="Straße & Partner")

    account.refresh_from_db()
    assert account.name_key == "strasse & partner"


def test_other_changes_leave_the_name_key_alone(rep):
    account = account_create(acting_user=rep, name="Ärzte GmbH")
    account_update(account, acting_user=rep, region="Bayern")
    account.refresh_from_db()
    assert (account.region, account.name_key) == ("Bayern", "ärzte gmbh")


def test_a_contact_name_key_follows_its_first_and_last_name(rep):
    contact = contact_create(acting_user=rep, first_name="José", last_name="García")
    assert Contact.objects.get(pk=contact.pk).name_key == "josé garcía"

    contact_update(contact, acting_user=rep, first_name="María José")

    assert Contact.objects.get(pk=contact.pk).name_key == "maría josé garcía"


def test_the_name_key_cannot_be_typed_in(rep):
    with pytest.raises(ValidationError, match="cannot be set here"):
        account_create(acting_user=rep, name="Acme", name_key="something else")


def test_an_admin_edit_keeps_the_name_key_in_step(rep):
    account = account_create(acting_user=rep, name="Ärzte GmbH")
    contact = contact_create(acting_user=rep, first_name="José", last_name="García")
    account.name = "ÖKO Bau AG"
    contact.last_name = "GÓMEZ"

    admin.site._registry[Account].save_model(None, account, None, True)
    admin.site._registry[Contact].save_model(None, contact, None, True)

    assert Account.objects.get(pk=account.pk).name_key == "öko bau ag"
    assert Contact.objects.get(pk=contact.pk).name_key == "josé gómez"


def test_erasing_a_person_leaves_no_trace_of_the_name_in_its_key(rep, admin_user):
    contact = contact_create(acting_user=rep, first_name="José", last_name="García")

    person_erase(contact, acting_user=admin_user)

    contact.refresh_from_db()
    assert "garcía" not in contact.name_key
    assert contact.name_key == f"erased person {contact.pk}"


def test_the_search_helper_finds_account_names_in_other_capitals(rep):
    arzte = account_create(acting_user=rep, name="Ärzte GmbH")
    account_create(acting_user=rep, name="Arzte Ltd")  # no umlaut: another name

    for text in ("ärzte", "ÄRZTE", "Ärzte  GmbH", "RZTE G"):
        found = accounts_visible_to(rep).filter(accounts_name_key_q(text))
        assert list(found) == [arzte], text


def test_the_search_helper_reaches_accounts_through_a_relation(rep):
    arzte = account_create(acting_user=rep, name="Ärzte GmbH")
    contact = contact_create(acting_user=rep, last_name="Meyer", account=arzte)
    contact_create(acting_user=rep, last_name="Meyer")

    found = contacts_visible_to(rep).filter(accounts_name_key_q("ÄRZTE", prefix="account__"))

    assert list(found) == [contact]


def test_the_search_helper_finds_contacts_by_full_name(rep):
    garcia = contact_create(acting_user=rep, first_name="José", last_name="García")
    contact_create(acting_user=rep, first_name="Jose", last_name="Garcia")  # no accents

    for text in ("JOSÉ GARCÍA", "garcía", "josé"):
        found = contacts_visible_to(rep).filter(contacts_name_key_q(text))
        assert list(found) == [garcia], text


def test_a_blank_search_matches_everything(rep):
    account_create(acting_user=rep, name="Ärzte GmbH")
    assert accounts_visible_to(rep).filter(accounts_name_key_q("  ")).count() == 1


def test_the_migration_fills_the_keys_of_existing_rows_in_batches(rep, monkeypatch):
    for name in ("Ärzte GmbH", "STRASSE AG", "Acme"):
        account_create(acting_user=rep, name=name)
    contact_create(acting_user=rep, first_name="JOSÉ", last_name="García")
    contact_create(acting_user=rep, last_name="Lima")
    Account.objects.update(name_key="")
    Contact.objects.update(name_key="")
    monkeypatch.setattr(backfill, "BATCH_SIZE", 2)

    backfill.account_contact_name_keys_fill(apps, None)

    assert sorted(Account.objects.values_list("name_key", flat=True)) == [
        "acme",
        "strasse ag",
        "ärzte gmbh",
    ]
    assert sorted(Contact.objects.values_list("name_key", flat=True)) == ["josé garcía", "lima"]


def test_running_the_migration_again_writes_nothing(rep):
    account_create(acting_user=rep, name="Ärzte GmbH")
    contact_create(acting_user=rep, first_name="José", last_name="García")

    with CaptureQueriesContext(connection) as queries:
        backfill.account_contact_name_keys_fill(apps, None)

    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
