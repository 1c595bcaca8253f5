"""Duplicate finding at the edge of its rules (issue 14, mutation testing): a broken threshold,
score or reason must fail a test that looks at what the lead page would list."""

from __future__ import annotations

import pytest

from salesflow.activities.models import Activity
from salesflow.leads.dedup import (
    NAME_SIMILARITY_MIN,
    duplicates_find,
    lead_duplicates,
    lead_merge,
    lead_merge_into_contact,
)
from salesflow.leads.models import LeadMerge, LeadStatus
from salesflow.leads.services import lead_create
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db


def lead_of(owner, **fields):
    fields.setdefault("source", "seo")
    return lead_create(acting_user=owner, **fields)


def test_a_name_85_percent_similar_at_the_same_company_is_a_duplicate_84_percent_is_not(rep):
    # token sort ratio: "Karolina Schmidt" 84.8 -> 85, "Katrin Schmitt" 83.9 -> 84.
    similar = lead_of(rep, first_name="Karolina", last_name="Schmidt", company="Globex GmbH")
    lead_of(rep, first_name="Katrin", last_name="Schmitt", company="Globex")
    lead_of(rep, first_name="Katharina", last_name="Schmidt", company="Initech")  # elsewhere

    found = duplicates_find(user=rep, first_name="Katharina", last_name="Schmidt", company="Globex")

    assert NAME_SIMILARITY_MIN == 85
    assert [(c.record, c.reason, c.score) for c in found] == [
        (similar, "similar name at same company (85%)", 76)  # round(85 * 0.9)
    ]


def test_a_lead_page_lists_the_other_lead_with_the_same_name_and_no_company(rep):
    lead = lead_of(rep, first_name="José", last_name="García")
    twin = lead_of(rep, first_name="JOSÉ", last_name="GARCÍA")
    lead_of(rep, first_name="José", last_name="Garcías")  # a different name key

    found = lead_duplicates(lead, user=rep)

    assert [(c.record, c.reason, c.score) for c in found] == [(twin, "exact name", 70)]


def test_the_same_name_at_two_different_companies_is_someone_else(rep):
    lead = lead_of(rep, first_name="Ana", last_name="Lima", company="Lima Logistics")
    lead_of(rep, first_name="Ana", last_name="Lima", company="Globex")

    assert lead_duplicates(lead, user=rep) == []


def test_an_equal_phone_ranks_above_a_similar_name_and_below_an_equal_email(rep):
    by_name = lead_of(rep, first_name="Jonathan", last_name="Smith", company="Acme")
    by_phone = lead_of(rep, last_name="Other", phone="+49 30 1234567")
    by_email = lead_of(rep, last_name="Third", email="jon@acme.example")

    found = duplicates_find(
        user=rep, first_name="Jonathan", last_name="Smith", company="Acme",
        email="jon@acme.example", phone="+49 30 1234567",
    )  # fmt: skip

    assert [(c.record, c.score, c.reason) for c in found] == [
        (by_email, 100, "exact email"),
        (by_phone, 95, "exact phone"),
        (by_name, 90, "similar name at same company (100%)"),
    ]


# Found by `make mutation` (docs/testing.md): names compared whatever their case and
# punctuation, what a merge record keeps of the duplicate, and the note a merge leaves.


def test_capitals_and_punctuation_do_not_make_a_name_less_similar(rep):
    lead = lead_of(rep, first_name="Karolina", last_name="Schmidt", company="Globex")

    found = duplicates_find(user=rep, first_name="KAROLINA", last_name="SCHMIDT-", company="Globex")

    assert [(c.record, c.reason, c.score) for c in found] == [
        (lead, "similar name at same company (100%)", 90)
    ]


def test_a_merge_keeps_what_the_duplicate_held_and_notes_who_merged_it(rep):
    primary = lead_of(rep, first_name="Ana", last_name="Lima", email="ana@lima.example")
    duplicate = lead_of(rep, first_name="A" * 100, last_name="B" * 100, phone="+49301234567")
    duplicate_pk, created_at, team_id = duplicate.pk, duplicate.created_at, duplicate.team_id
    assert team_id is not None

    merged = lead_merge(primary, duplicate, acting_user=rep)

    kept = LeadMerge.objects.get(lead=merged).duplicate_data
    assert (kept["owner_id"], kept["team_id"], kept["phone"]) == (
        rep.pk,
        team_id,
        "+49301234567",
    )
    assert kept["created_at"] == created_at.isoformat()
    note = merged.activities.get(type="note")
    assert note.subject == f"Merged duplicate lead #{duplicate_pk} ({'A' * 100} {'B' * 100}"[:200]
    assert len(note.subject) == 200
    assert note.body == (
        f"Merged by {rep}. Fields filled from the duplicate: phone. Activities moved: 0."
    )
    assert (note.owner, note.team, note.visibility) == (rep, merged.team, merged.visibility)
    assert note.done_at is not None


def test_the_note_of_a_lead_merged_into_a_contact_is_shared_like_the_contact(rep):
    contact = ContactFactory(owner=rep, visibility=Visibility.PRIVATE)
    lead = lead_of(rep, last_name=contact.last_name, visibility=Visibility.EVERYONE)

    lead_merge_into_contact(lead, contact, acting_user=rep)

    note = Activity.objects.get(contact=contact, type="note")
    assert (note.owner, note.team, note.visibility) == (rep, contact.team, Visibility.PRIVATE)
    assert note.lead == lead and note.done_at is not None


def test_the_same_name_where_only_one_side_names_a_company_is_an_exact_name(rep):
    lead = lead_of(rep, first_name="José", last_name="García", company="Acme")

    found = duplicates_find(user=rep, first_name="José", last_name="García")

    assert [(c.record, c.reason, c.score) for c in found] == [(lead, "exact name", 70)]


def test_a_single_word_name_alone_finds_nobody(rep):
    lead_of(rep, last_name="Lima")

    assert duplicates_find(user=rep, last_name="Lima") == []


def test_a_converted_lead_is_never_listed_its_person_is_a_contact_now(rep):
    LeadFactory(owner=rep, email="ana@lima.example", status=LeadStatus.CONVERTED)
    open_lead = lead_of(rep, last_name="Lima", email="ana@lima.example")

    found = duplicates_find(user=rep, email="ana@lima.example")

    assert [c.record for c in found] == [open_lead]


def test_a_lead_page_lists_leads_with_the_same_phone_ten_at_most_unless_asked(rep):
    lead = lead_of(rep, last_name="Lima", phone="+49 30 1234567")
    same_phone = [lead_of(rep, last_name=f"Other{n}", phone="+49301234567") for n in range(11)]

    assert len(lead_duplicates(lead, user=rep)) == 10
    assert len(duplicates_find(user=rep, phone="+49 30 1234567")) == 10
    found = lead_duplicates(lead, user=rep, limit=3)
    assert [c.record for c in found] == same_phone[::-1][:3]  # newest first
    assert {c.reason for c in found} == {"exact phone"}


def test_fifty_unrelated_newer_leads_do_not_hide_a_duplicate(rep):
    """Only the 50 newest rows that match in SQL are compared: a search must not match rows by
    a blank email, phone, name or company, or the real duplicate falls out of those 50."""
    by_company = lead_of(rep, first_name="Karolina", company="Globex", email="k@globex.example")
    by_email = lead_of(rep, last_name="Lima", email="ana@lima.example")
    LeadFactory.create_batch(
        50, owner=rep, first_name="", last_name="", name_key="", email="", phone="", company=""
    )

    found = duplicates_find(user=rep, first_name="Karolina", company="Globex")
    assert [(c.record, c.reason) for c in found] == [
        (by_company, "similar name at same company (100%)")
    ]
    found = duplicates_find(user=rep, email="ana@lima.example")
    assert [(c.record, c.reason) for c in found] == [(by_email, "exact email")]


# Contacts are candidates by the same rules as leads.


def test_a_contact_at_the_same_company_with_a_similar_name_is_found(rep):
    globex = AccountFactory(owner=rep, name="Globex GmbH")
    contact = ContactFactory(owner=rep, account=globex, first_name="Karolina", last_name="Schmitt")

    found = duplicates_find(
        user=rep, first_name="Karolina", last_name="Schmidt", company="Globex",
        email="someone@else.example",
    )  # fmt: skip

    assert [(c.record, c.kind, c.reason) for c in found] == [
        (contact, "contact", "similar name at same company (94%)")
    ]


def test_a_contact_with_the_same_phone_or_name_is_found_and_not_as_its_own_duplicate(rep):
    by_phone = ContactFactory(owner=rep, last_name="Other", phone="+49301234567")
    by_name = ContactFactory(owner=rep, account=None, first_name="José", last_name="García")

    found = duplicates_find(
        user=rep, first_name="José", last_name="García", company="Acme", phone="+49 30 1234567"
    )

    assert [(c.record, c.reason, c.score) for c in found] == [
        (by_phone, "exact phone", 95), (by_name, "exact name", 70)
    ]  # fmt: skip
    again = duplicates_find(user=rep, phone="+49 30 1234567", exclude_contact=by_phone)
    assert again == []


def test_at_an_equal_score_the_lead_is_listed_before_the_contact(rep):
    # The contact's id is above the leads': leads come first by kind, not by id.
    contact = ContactFactory(owner=rep, email="ana@lima.example", pk=999_999)
    lead = lead_of(rep, last_name="Lima", email="ana@lima.example")
    newer_lead = LeadFactory(owner=rep, email="ana@lima.example")

    found = duplicates_find(user=rep, email="ana@lima.example")

    assert [c.record for c in found] == [newer_lead, lead, contact]
