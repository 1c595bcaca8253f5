"""An import matches only records the importer may read, so it reveals nothing of other teams'
private records, not even in a dry run (issue 14, found 3)."""

from __future__ import annotations

import pytest

from salesflow.customers.models import Account, Contact
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

LEADS = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name", "Company": "company"},
    "defaults": {"source": "referral"},
}


def test_a_private_lead_of_another_team_is_neither_matched_nor_revealed(rep, outsider):
    theirs = LeadFactory(owner=outsider, visibility="private", email="ines@example.com",
                         company="Secret Deal GmbH")  # fmt: skip
    file = "Email,Name,Company\nines@example.com,Ines Ruiz,Harbour Ltd\n"

    dry = run_import(rep, file, mapping=LEADS, dry_run=True)
    assert (dry.created_count, dry.updated_count, dry.unchanged_count, dry.error_count) == (
        1, 0, 0, 0,
    )  # fmt: skip
    job = run_import(rep, file, mapping=LEADS)

    assert (job.created_count, job.error_count) == (1, 0)
    assert errors_of(job) == []
    mine = Lead.objects.get(owner=rep)
    assert (mine.email, mine.company) == ("ines@example.com", "Harbour Ltd")
    theirs.refresh_from_db()
    assert theirs.company == "Secret Deal GmbH"  # untouched


def test_a_lead_the_importer_may_read_is_still_matched(rep, teammate):
    shared = LeadFactory(owner=teammate, visibility="team", email="ines@example.com")
    job = run_import(rep, "Email,Name,Company\nines@example.com,Ines Ruiz,Harbour Ltd\n",
                     mapping=LEADS)  # fmt: skip
    assert (job.created_count, job.updated_count) == (0, 1)
    shared.refresh_from_db()
    assert shared.company == "Harbour Ltd"


def test_contacts_accounts_and_deals_match_only_readable_records_too(rep, outsider):
    hidden = AccountFactory(owner=outsider, visibility="private", name="Harbour Ltd")
    ContactFactory(owner=outsider, visibility="private", email="ines@example.com", account=hidden)
    DealFactory(owner=outsider, visibility="private", account=hidden, external_id="SF-1")

    accounts = run_import(
        rep, "Name\nHarbour Ltd\n", kind="accounts",
        mapping={"kind": "accounts", "columns": {"Name": "name"}},
    )  # fmt: skip
    contacts = run_import(
        rep, "Email,First,Last\nines@example.com,Ines,Ruiz\n", kind="contacts",
        mapping={"kind": "contacts",
                 "columns": {"Email": "email", "First": "first_name", "Last": "last_name"}},
    )  # fmt: skip
    deals = run_import(
        rep, "Id,Name,Account,Stage\nSF-1,Cranes,Harbour Ltd,Qualification\n", kind="deals",
        mapping={"kind": "deals",
                 "columns": {"Id": "external_id", "Name": "name", "Account": "account",
                             "Stage": "stage"}},
    )  # fmt: skip

    assert (accounts.created_count, contacts.created_count) == (1, 1), (
        errors_of(accounts), errors_of(contacts),
    )  # fmt: skip
    assert deals.created_count == 1, errors_of(deals)
    assert Account.objects.filter(owner=rep, name="Harbour Ltd").exists()
    assert Contact.objects.filter(owner=rep, email="ines@example.com").exists()
    assert Deal.objects.get(owner=rep).account.owner == rep
    assert Deal.objects.get(owner=outsider).name != "Cranes"
