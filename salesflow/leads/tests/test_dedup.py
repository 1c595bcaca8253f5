from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from salesflow.activities.models import Activity
from salesflow.core.errors import DomainError
from salesflow.leads.dedup import (
    duplicates_find,
    lead_duplicates,
    lead_merge,
    lead_merge_into_contact,
)
from salesflow.leads.models import Lead, LeadMerge
from salesflow.leads.services import lead_create, lead_qualification_record
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


def lead_of(owner, **fields):
    fields.setdefault("source", "seo")
    return lead_create(acting_user=owner, **fields)


def test_an_equal_email_is_found_whatever_its_case(rep):
    lead = lead_of(rep, last_name="Lima", email="ana@lima.example")
    found = duplicates_find(user=rep, email=" ANA@Lima.Example ")
    assert [(c.record, c.reason, c.score) for c in found] == [(lead, "exact email", 100)]


def test_an_equal_phone_is_found_in_any_format(rep):
    lead = lead_of(rep, last_name="Lima", phone="+49 30 1234567")
    found = duplicates_find(user=rep, phone="+49 (30) 123-4567")
    assert [(c.record, c.reason) for c in found] == [(lead, "exact phone")]


def test_a_similar_name_at_the_same_company_is_found_with_its_similarity(rep):
    lead = lead_of(rep, first_name="Jonathan", last_name="Smith", company="ACME Inc.")
    lead_of(rep, first_name="Maria", last_name="Gonzalez", company="Acme")  # a colleague
    lead_of(rep, first_name="Jonathan", last_name="Smith", company="Globex")  # someone else
    found = duplicates_find(user=rep, first_name="Jonathon", last_name="Smith", company="acme ltd")
    assert [c.record for c in found] == [lead]
    assert found[0].reason == "similar name at same company (93%)"
    assert found[0].score == 84  # a name match ranks below an equal email (100) or phone (95)


def test_contacts_are_candidates_too_and_equal_email_ranks_first(rep):
    account = AccountFactory(owner=rep, name="Lima Logistics GmbH")
    contact = ContactFactory(owner=rep, account=account, first_name="Ana", last_name="Lima")
    lead = lead_of(rep, first_name="Ana", last_name="Lima", email="ana@lima.example")
    found = duplicates_find(
        user=rep, first_name="Ana", last_name="Lima", email="ana@lima.example",
        company="Lima Logistics",
    )  # fmt: skip
    assert [(c.kind, c.record) for c in found] == [("lead", lead), ("contact", contact)]
    assert found[1].reason == "similar name at same company (100%)"


def test_the_finder_does_not_show_what_the_user_may_not_read(rep, outsider):
    lead_of(outsider, last_name="Lima", email="ana@lima.example", visibility="private")
    ContactFactory(owner=outsider, email="ana@lima.example")
    assert duplicates_find(user=rep, email="ana@lima.example") == []
    assert len(duplicates_find(user=outsider, email="ana@lima.example")) == 2


def test_bad_input_finds_nothing_instead_of_failing(rep):
    lead_of(rep, last_name="Lima", email="ana@lima.example")
    assert duplicates_find(user=rep, email="ana@", phone="call me") == []


def test_a_lead_is_not_its_own_duplicate(rep):
    lead = lead_of(rep, last_name="Lima", email="ana@lima.example")
    twin = lead_of(rep, last_name="Lima", email="ana@lima.example")
    assert [c.record for c in lead_duplicates(lead, user=rep)] == [twin]


def test_the_finder_takes_a_fixed_number_of_queries(rep, django_assert_max_num_queries):
    for index in range(30):
        lead_of(
            rep,
            first_name="Jon",
            last_name=f"Smith{index}",
            company="Acme",
            phone=f"+4930123{index:04d}",
        )
        ContactFactory(owner=rep, email=f"c{index}@acme.example")
    rep.refresh_from_db()  # forget the cached team ids
    # the user's teams, the site's phone region, leads, contacts
    with django_assert_max_num_queries(4):
        found = duplicates_find(
            user=rep, first_name="Jon", last_name="Smith1", email="c1@acme.example",
            phone="+49301230001", company="ACME GmbH",
        )  # fmt: skip
    assert found


def test_merging_fills_blanks_moves_activities_and_deletes_the_duplicate(rep):
    primary = lead_of(rep, first_name="Ana", last_name="Lima", email="ana@lima.example")
    duplicate = lead_of(
        rep, first_name="Anna", last_name="Lima", phone="+49301234567", company="Lima GmbH",
        notes="Met at the fair",
    )  # fmt: skip
    lead_qualification_record(duplicate, acting_user=rep, budget_amount=5000)
    ActivityFactory.create_batch(2, owner=rep, lead=duplicate, deal=None, account=None)
    duplicate_pk = duplicate.pk

    merged = lead_merge(primary, duplicate, acting_user=rep)

    assert not Lead.objects.filter(pk=duplicate_pk).exists()
    merged.refresh_from_db()
    assert merged.first_name == "Ana"  # the primary's values win
    assert (merged.phone, merged.company, merged.company_key) == (
        "+49301234567",
        "Lima GmbH",
        "lima",
    )
    assert "Met at the fair" in merged.notes
    assert merged.qualification.budget_amount == 5000
    assert merged.activities.filter(type="call").count() == 2
    note = merged.activities.get(type="note")
    assert f"#{duplicate_pk}" in note.subject
    record = LeadMerge.objects.get(lead=merged)
    assert record.duplicate_id == duplicate_pk
    assert record.duplicate_data["first_name"] == "Anna"
    assert set(record.fields_filled) == {"phone", "company", "qualification"}
    assert (record.activities_moved, record.merged_by) == (2, rep)


def test_an_outsider_cannot_merge_leads_they_cannot_change(rep, outsider):
    primary = lead_of(rep, last_name="Lima")
    duplicate = lead_of(outsider, last_name="Lima")
    with pytest.raises(PermissionDenied):
        lead_merge(primary, duplicate, acting_user=outsider)
    with pytest.raises(PermissionDenied):
        lead_merge(primary, duplicate, acting_user=rep)
    assert Lead.objects.count() == 2


def test_merging_a_lead_into_a_contact_converts_it_and_moves_its_activities(rep):
    contact = ContactFactory(owner=rep, email="", position="")
    lead = lead_of(rep, last_name=contact.last_name, email="ana@lima.example", title="COO")
    activity = ActivityFactory(owner=rep, lead=lead, deal=None, account=None)

    lead_merge_into_contact(lead, contact, acting_user=rep)

    lead.refresh_from_db()
    contact.refresh_from_db()
    assert (lead.status, lead.converted_contact, lead.converted_account) == (
        "converted",
        contact,
        contact.account,
    )
    assert (contact.email, contact.position) == ("ana@lima.example", "COO")
    activity.refresh_from_db()
    assert (activity.contact, activity.lead, activity.account) == (contact, lead, contact.account)
    assert Activity.objects.filter(contact=contact, type="note").exists()
    with pytest.raises(DomainError):
        lead_merge_into_contact(lead, contact, acting_user=rep)


def test_an_outsider_cannot_merge_a_lead_into_a_contact(rep, outsider):
    lead = lead_of(rep, last_name="Lima")
    contact = ContactFactory(owner=outsider)
    with pytest.raises(PermissionDenied):
        lead_merge_into_contact(lead, contact, acting_user=outsider)
