"""How an import matches each row to a record and what it changes (issue 14, mutation testing
of `salesflow/imports/kinds.py`): the keys (email, phone, name and company; an account's name),
only among readable records, the team of what it creates, parents and account facts, and that a
re-imported file changes nothing and reads no more per row."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesflow.customers.models import Account, Contact
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC)
ACCOUNTS = {"kind": "accounts", "columns": {"Name": "name", "Parent": "parent"}}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def counts(job) -> tuple[int, int, int]:
    return job.created_count, job.updated_count, job.unchanged_count


# -- keys: a person without email or phone is matched by name (and company) -----------------------


def test_a_lead_known_by_its_last_name_alone_is_matched_again(rep):
    LeadFactory(owner=rep, first_name="", last_name="King", email="", phone="", company="")
    mapping = {
        "kind": "leads",
        "columns": {"Last": "last_name", "Title": "title"},
        "defaults": {"source": "referral"},
    }

    job = run_import(rep, "Last,Title\nKING,\n", mapping=mapping)

    assert counts(job) == (0, 0, 1)
    assert Lead.objects.count() == 1


def test_a_lead_known_by_its_first_name_alone_is_matched_again(rep):
    LeadFactory(owner=rep, first_name="Ada", last_name="", email="", phone="", company="")
    mapping = {
        "kind": "leads",
        "columns": {"First": "first_name", "Title": "title"},
        "defaults": {"source": "referral"},
    }

    job = run_import(rep, "First,Title\nada,CEO\n", mapping=mapping)

    assert counts(job) == (0, 1, 0)
    assert Lead.objects.get().title == "CEO"


def test_a_file_without_a_company_column_matches_leads_without_a_company(rep):
    LeadFactory(owner=rep, first_name="Ada", last_name="King", email="", phone="", company="")
    mapping = {
        "kind": "leads",
        "columns": {"Name": "full_name"},
        "defaults": {"source": "referral"},
    }

    job = run_import(rep, "Name\nAda King\n", mapping=mapping)

    assert counts(job) == (0, 0, 1)
    assert Lead.objects.count() == 1


def test_a_contact_without_an_account_is_matched_by_name_when_the_file_has_no_company(rep):
    ContactFactory(owner=rep, account=None, first_name="Ada", last_name="King", email="")
    mapping = {"kind": "contacts", "columns": {"Name": "full_name", "Position": "position"}}

    job = run_import(rep, "Name,Position\nada king,CTO\n", kind="contacts", mapping=mapping)

    assert counts(job) == (0, 1, 0)
    contact = Contact.objects.get()
    assert (contact.position, contact.version) == ("CTO", 2)  # through contact_update


def test_a_contact_without_an_account_is_not_the_same_person_at_a_company(rep):
    ContactFactory(owner=rep, account=None, first_name="Ada", last_name="King", email="")
    AccountFactory(name="Acme", owner=rep)
    mapping = {"kind": "contacts", "columns": {"Name": "full_name", "Company": "account"}}

    job = run_import(rep, "Name,Company\nAda King,Acme\n", kind="contacts", mapping=mapping)

    assert counts(job) == (1, 0, 0)
    assert Contact.objects.filter(account__name="Acme").count() == 1


def test_a_reimported_contact_changes_only_what_the_file_changed(rep):
    acme = AccountFactory(name="Acme", owner=rep)
    contact = ContactFactory(
        owner=rep,
        account=acme,
        first_name="Ada",
        last_name="King",
        email="ada@acme.example",
        position="CTO",
    )
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Email": "email", "Position": "position"},
    }

    same = run_import(
        rep,
        "Name,Email,Position\nADA KING,ada@acme.example,cto\n",
        kind="contacts",
        mapping=mapping,
    )
    changed = run_import(
        rep,
        "Name,Email,Position\nAda King,ada@acme.example,CEO\n",
        kind="contacts",
        mapping=mapping,
    )

    contact.refresh_from_db()
    assert (counts(same), counts(changed)) == ((0, 0, 1), (0, 1, 0))
    assert (contact.position, contact.account, contact.version) == ("CEO", acme, 2)


# -- what an import creates -----------------------------------------------------------------------


def test_a_created_contact_belongs_to_its_rows_owner_and_their_team(admin_user, rep, north):
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Email": "email", "Owner": "owner"},
    }

    job = run_import(
        admin_user,
        "Name,Email,Owner\nAda King,ada@example.com,rep\n",
        kind="contacts",
        mapping=mapping,
    )

    assert errors_of(job) == []
    contact = Contact.objects.get()
    assert (contact.owner, contact.team) == (rep, north)


OWNED_CONTACTS = {
    "kind": "contacts",
    "columns": {"Name": "full_name", "Email": "email", "Owner": "owner"},
}


def test_a_new_owner_on_reimport_keeps_the_records_team(admin_user, rep, teammate, north):
    contact = ContactFactory(owner=rep, account=None, email="ada@example.com")
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Email": "email", "Owner": "owner"},
    }

    job = run_import(
        admin_user,
        f"Name,Email,Owner\n{contact.first_name} {contact.last_name},ada@example.com,teammate\n",
        kind="contacts",
        mapping=mapping,
    )

    contact.refresh_from_db()
    assert counts(job) == (0, 1, 0)
    assert (contact.owner, contact.team) == (teammate, north)


def test_a_new_owner_on_reimport_takes_the_record_to_their_team_as_an_edit_does(
    admin_user, rep, outsider, south
):
    # As on the contact's edit page (owner_change_check): the team follows the new owner...
    contact = ContactFactory(owner=rep, account=None, email="ada@example.com")
    job = run_import(
        admin_user,
        f"Name,Email,Owner\n{contact.first_name} {contact.last_name},ada@example.com,outsider\n",
        kind="contacts",
        mapping=OWNED_CONTACTS,
    )

    contact.refresh_from_db()
    assert counts(job) == (0, 1, 0)
    assert (contact.owner, contact.team) == (outsider, south)


def test_a_new_owner_in_no_team_leaves_the_record_in_its_team(admin_user, rep, north):
    # ...and a new owner in no team leaves the record where it was.
    UserFactory(username="loner")
    contact = ContactFactory(owner=rep, account=None, email="ada@example.com")
    job = run_import(
        admin_user,
        f"Name,Email,Owner\n{contact.first_name} {contact.last_name},ada@example.com,loner\n",
        kind="contacts",
        mapping=OWNED_CONTACTS,
    )

    contact.refresh_from_db()
    assert counts(job) == (0, 1, 0)
    assert (contact.owner.username, contact.team) == ("loner", north)


def test_a_known_contact_gets_the_new_account_its_row_names(rep):
    contact = ContactFactory(owner=rep, account=None, email="ada@example.com")
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Email": "email", "Account": "account"},
        "create_missing": ["account"],
    }

    job = run_import(
        rep,
        f"Name,Email,Account\n{contact.first_name} {contact.last_name},ada@example.com,Nova Co\n",
        kind="contacts",
        mapping=mapping,
    )

    assert errors_of(job) == [] and counts(job) == (0, 1, 0)
    contact.refresh_from_db()
    assert contact.account.name == "Nova Co" and contact.account.owner == rep


def test_the_same_person_twice_in_one_file_is_created_once(rep):
    mapping = {"kind": "contacts", "columns": {"Name": "full_name", "Email": "email"}}

    job = run_import(
        rep,
        "Name,Email\nAda Lovelace,ada@example.com\nAda Lovelace,ada@example.com\n",
        kind="contacts",
        mapping=mapping,
    )

    assert errors_of(job) == []
    assert counts(job) == (1, 0, 1)
    assert Contact.objects.filter(email="ada@example.com").count() == 1


def test_the_created_date_of_a_row_is_the_records_creation_time(admin_user):
    mapping = {
        "kind": "accounts",
        "columns": {"Name": "name", "Created": "created_at"},
        "date_format": "Y-m-d",
    }

    job = run_import(
        admin_user, "Name,Created\nAcme,2019-03-04\nGlobex,\n", kind="accounts", mapping=mapping
    )

    assert errors_of(job) == []
    created = dict(Account.objects.values_list("name", "created_at"))
    assert created["Acme"].date() == dt.date(2019, 3, 4)
    assert created["Globex"] == NOW


def test_facts_of_an_account_a_contact_row_creates_are_stored_an_existing_one_keeps_its_own(
    admin_user,
):
    AccountFactory(name="Known", owner=admin_user, employee_count=40)
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Company": "account", "Staff": "account_employee_count"},
        "create_missing": ["account"],
    }

    job = run_import(
        admin_user,
        "Name,Company,Staff\nAda King,NewCo,12\nBea Low,Known,99\n",
        kind="contacts",
        mapping=mapping,
    )

    assert errors_of(job) == []
    staff = dict(Account.objects.values_list("name", "employee_count"))
    assert staff == {"NewCo": 12, "Known": 40}


# -- accounts: parents ----------------------------------------------------------------------------


def test_a_parent_is_found_by_name_also_when_written_earlier_in_the_file(admin_user):
    group = AccountFactory(name="Holding Group", owner=admin_user)
    content = "Name,Parent\nAcme,HOLDING  group\nAcme Sub,acme\n"

    job = run_import(admin_user, content, kind="accounts", mapping=ACCOUNTS)

    assert errors_of(job) == []
    parents = dict(Account.objects.values_list("name", "parent__name"))
    assert parents == {"Holding Group": None, "Acme": group.name, "Acme Sub": "Acme"}


def test_of_two_parents_with_one_name_the_oldest_is_taken(admin_user):
    oldest = AccountFactory(name="Twin", owner=admin_user)
    AccountFactory(name="twin", owner=admin_user)

    job = run_import(admin_user, "Name,Parent\nAcme,Twin\n", kind="accounts", mapping=ACCOUNTS)

    assert errors_of(job) == []
    assert Account.objects.get(name="Acme").parent == oldest


def test_a_parent_the_importer_cannot_see_is_refused_on_the_parent_column(rep):
    AccountFactory(name="Secret Group", owner=UserFactory(), visibility="private")

    job = run_import(rep, "Name,Parent\nAcme,Secret Group\n", kind="accounts", mapping=ACCOUNTS)

    assert errors_of(job) == [
        (
            2,
            "Parent",
            "No account 'Secret Group' that you can see. Import the parent accounts "
            "first (or earlier in the file).",
        )
    ]
    assert not Account.objects.filter(name="Acme").exists()


# -- a re-imported file ---------------------------------------------------------------------------

LEADS = {
    "kind": "leads",
    "columns": {
        "ID": "external_id",
        "Email": "email",
        "Name": "full_name",
        "Company": "company",
        "Phone": "phone",
        "Title": "title",
        "Region": "region",
    },
    "templates": {"notes": "Met at {Event}"},
    "defaults": {"source": "referral"},
}
LEADS_HEADER = "ID,Email,Name,Company,Phone,Title,Region,Event\n"


def leads_file(numbers: range) -> str:
    return LEADS_HEADER + "".join(
        f"X-{n},p{n}@example.com,Pat Person{n},Co {n},+49301234{n:03d},CEO,Berlin,Fair\n"
        for n in numbers
    )


def reimport_queries(user, content: str) -> int:
    run_import(user, content, mapping=LEADS)
    with CaptureQueriesContext(connection) as queries:
        job = run_import(user, content, mapping=LEADS)
    assert counts(job)[:2] == (0, 0)
    return len(queries)


def test_a_reimported_file_reads_no_more_for_twelve_unchanged_leads_than_for_three(rep):
    few = reimport_queries(rep, leads_file(range(3)))
    many = reimport_queries(rep, leads_file(range(100, 112)))

    assert many == few


def test_a_reimport_changes_a_lead_by_a_column_and_by_a_template(rep):
    run_import(rep, leads_file(range(1)), mapping=LEADS)

    job = run_import(
        rep, leads_file(range(1)).replace("CEO,Berlin,Fair", "CTO,Berlin,Expo"), mapping=LEADS
    )

    lead = Lead.objects.get()
    assert counts(job) == (0, 1, 0)
    assert (lead.title, lead.notes, lead.version) == ("CTO", "Met at Expo", 2)


@pytest.mark.parametrize(
    ("columns", "row"),
    [({"Name": "full_name"}, "Pat Person{n}"), ({"Last": "last_name"}, "Person{n}")],
    ids=["full name", "last name"],
)
def test_a_reimport_matched_by_name_alone_reads_no_more_for_twelve_leads_than_for_three(
    rep, columns, row
):
    mapping = {"kind": "leads", "columns": columns, "defaults": {"source": "referral"}}
    header = ",".join(columns) + "\n"

    def queries(numbers: range) -> int:
        content = header + "".join(row.format(n=n) + "\n" for n in numbers)
        run_import(rep, content, mapping=mapping)
        with CaptureQueriesContext(connection) as captured:
            job = run_import(rep, content, mapping=mapping)
        assert counts(job) == (0, 0, len(numbers))
        return len(captured)

    assert queries(range(100, 112)) == queries(range(3))


# -- custom values on re-import --------------------------------------------------------------------


@pytest.fixture
def segment(admin_user):
    from salesflow.customfields.services import custom_field_create

    return custom_field_create(
        acting_user=admin_user, kind="lead", key="segment", label="Segment", type="text"
    )


def test_a_custom_text_in_other_capitals_is_no_change(rep, segment):
    mapping = {
        "kind": "leads",
        "columns": {"Email": "email", "Segment": "custom.segment"},
        "defaults": {"source": "other"},
    }
    run_import(rep, "Email,Segment\nada@example.com,Gold Partners\n", mapping=mapping)

    again = run_import(rep, "Email,Segment\nada@example.com,  GOLD   partners \n", mapping=mapping)

    assert counts(again) == (0, 0, 1)
    lead = Lead.objects.get(email="ada@example.com")
    assert lead.custom == {"segment": "Gold Partners"} and lead.version == 1


def test_a_custom_default_fills_a_new_record_but_leaves_a_known_one_alone(rep, segment):
    from salesflow.leads.services import lead_update

    mapping = {
        "kind": "leads",
        "columns": {"Email": "email", "Title": "title"},
        "defaults": {"source": "other", "custom.segment": "Imported"},
    }
    run_import(rep, "Email,Title\nada@example.com,CTO\n", mapping=mapping)
    lead = Lead.objects.get(email="ada@example.com")
    assert lead.custom == {"segment": "Imported"}
    lead_update(lead, acting_user=rep, custom={"segment": "Key account"})

    again = run_import(rep, "Email,Title\nada@example.com,Head of IT\n", mapping=mapping)

    assert counts(again) == (0, 1, 0)
    lead.refresh_from_db()
    assert lead.title == "Head of IT"
    assert lead.custom == {"segment": "Key account"}  # the file did not say otherwise


# -- a batch the database refuses ------------------------------------------------------------------


def test_a_lead_the_database_refuses_is_an_error_on_its_row_and_the_others_are_created(
    rep, monkeypatch
):
    """When the database refuses the chunk's bulk insert (a constraint a concurrent writer hit,
    say), the leads are inserted one by one: only the refused row is an error."""
    from django.db import IntegrityError

    from salesflow.leads.bulk import LeadsBulkCreate

    real_insert = LeadsBulkCreate.insert

    def insert(self, leads, *, created_at=None):
        if any(lead.last_name == "Refused" for lead in leads):
            if len(leads) > 1:  # the batch's INSERT ran, a later statement of it failed
                real_insert(self, leads, created_at=created_at)
            raise IntegrityError("UNIQUE constraint failed: leads_lead.external_id")
        return real_insert(self, leads, created_at=created_at)

    monkeypatch.setattr(LeadsBulkCreate, "insert", insert)
    mapping = {
        "kind": "leads",
        "columns": {"Name": "full_name", "Email": "email"},
        "defaults": {"source": "other"},
    }
    content = (
        "Name,Email\nAda Lovelace,ada@example.com\nRoy Refused,roy@example.com\n"
        "Grace Hopper,grace@example.com\n"
    )

    job = run_import(rep, content, mapping=mapping)

    assert errors_of(job) == [(3, "", "UNIQUE constraint failed: leads_lead.external_id")]
    assert counts(job) == (2, 0, 0)
    assert set(Lead.objects.values_list("email", flat=True)) == {
        "ada@example.com",
        "grace@example.com",
    }
