"""Re-imports find accounts, people and owners by name in other capitals, non-ASCII letters too
(SQLite's LOWER() folds only ASCII; the stored name keys fold everything)."""

from __future__ import annotations

import pytest

from salesflow.customers.models import Account, Contact
from salesflow.customers.services import account_create, contact_create
from salesflow.imports.resolver import Resolver
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from salesflow.leads.services import lead_create
from salesflow.users.models import User
from salesflow.users.services import user_create

pytestmark = pytest.mark.django_db

ACCOUNTS = {"kind": "accounts", "columns": {"Name": "name", "Region": "region"}}
LEADS = {
    "kind": "leads",
    "columns": {"First": "first_name", "Last": "last_name", "Company": "company"},
    "defaults": {"source": "other"},
}


def test_a_reimport_in_capitals_finds_the_account_with_umlauts(rep):
    arzte = account_create(acting_user=rep, name="Ärzte GmbH")

    job = run_import(rep, "Name,Region\nÄRZTE GMBH,Bayern\n", kind="accounts", mapping=ACCOUNTS)

    assert (job.created_count, job.updated_count) == (0, 1), job.message
    arzte.refresh_from_db()
    assert (Account.objects.count(), arzte.name, arzte.region) == (1, "Ärzte GmbH", "Bayern")


def test_a_name_without_the_umlaut_is_another_account(rep):
    account_create(acting_user=rep, name="Ärzte GmbH")

    job = run_import(rep, "Name,Region\nARZTE GMBH,\n", kind="accounts", mapping=ACCOUNTS)

    assert job.created_count == 1
    assert Account.objects.count() == 2


def test_contacts_find_their_account_by_a_name_in_other_capitals(rep):
    strasse = account_create(acting_user=rep, name="Straße & Söhne")
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Email": "email", "Company": "account"},
    }

    job = run_import(
        rep, "Name,Email,Company\nAda Åberg,ada@example.com,STRASSE & SÖHNE\n", kind="contacts",
        mapping=mapping,
    )  # fmt: skip

    assert errors_of(job) == []
    assert Contact.objects.get().account == strasse


def test_a_reimport_finds_a_lead_by_its_name_in_other_capitals(rep):
    lead = lead_create(
        acting_user=rep, first_name="José", last_name="Strauß", company="Ärzte GmbH", source="seo"
    )

    job = run_import(rep, "First,Last,Company\nJOSÉ,STRAUSS,ÄRZTE GMBH\n", mapping=LEADS)

    assert (job.created_count, job.unchanged_count) == (0, 1), job.message
    assert list(Lead.objects.all()) == [lead]


def test_a_reimport_finds_a_contact_by_its_name_and_account_in_other_capitals(rep):
    arzte = account_create(acting_user=rep, name="Ärzte GmbH")
    contact = contact_create(acting_user=rep, first_name="José", last_name="Åberg", account=arzte)
    mapping = {
        "kind": "contacts",
        "columns": {"First": "first_name", "Last": "last_name", "Company": "account"},
    }

    job = run_import(
        rep, "First,Last,Company\nJOSÉ,ÅBERG,ärzte gmbh\n", kind="contacts", mapping=mapping
    )

    assert (job.created_count, job.unchanged_count) == (0, 1), job.message
    assert list(Contact.objects.all()) == [contact]


def test_an_owner_named_in_other_capitals_with_umlauts_is_found(rep, teammate):
    teammate.first_name, teammate.last_name = "ÖZLEM", "ÜNAL"
    teammate.save()
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Owner": "owner"}}

    job = run_import(rep, "First,Last,Company,Owner\nAda,Åberg,Acme,Özlem Ünal\n", mapping=mapping)

    assert errors_of(job) == []
    assert Lead.objects.get().owner == teammate


def test_a_former_colleague_named_in_capitals_is_not_created_again(manager, north):
    former = user_create(
        username="oezlem", first_name="Özlem", last_name="Ünal", is_active=False, team_name="North"
    )
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Owner": "owner"}}

    job = run_import(
        manager, "First,Last,Company,Owner\nAda,Åberg,Acme,ÖZLEM  ÜNAL\n",
        mapping={**mapping, "create_missing": ["owner"]},
    )  # fmt: skip

    assert errors_of(job) == []
    assert Lead.objects.get().owner == former


def test_an_owner_the_run_created_is_found_by_name_when_the_cache_was_emptied(manager):
    resolver = Resolver(acting_user=manager, create_missing=["owner"])
    created = resolver.owner("Özlem Ünal")
    resolver.caches["owner"].clear()  # as on a file naming more owners than CACHE_LIMIT

    assert resolver.owner("ÖZLEM ÜNAL") == created
    assert User.objects.filter(last_name="Ünal").count() == 1
