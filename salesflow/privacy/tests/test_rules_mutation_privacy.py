"""Erasure at the level of each field (issue 14, mutation testing): a person erased through a
contact or a lead is gone from every lead with their email, field by field, so a rule that
forgets one field fails here."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.audit.models import AuditAction, AuditEvent
from salesflow.customers.models import Contact
from salesflow.customfields.models import CustomField
from salesflow.leads.dedup import lead_merge
from salesflow.leads.models import Lead
from salesflow.leads.services import lead_qualification_record
from salesflow.pipeline.services import deal_qualification_record
from salesflow.pipeline.stakeholders import stakeholder_add
from salesflow.privacy.services import person_erase, person_export
from salesflow.referrals.services import referral_record
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

EMAIL = "anna@meyer.example"
LEAD_VALUES = {
    "first_name": "Anna", "last_name": "Meyer", "email": EMAIL, "phone": "+49301234567",
    "title": "Head of Fleet", "notes": "Met Anna at the fair", "website": "https://meyer.example",
}  # fmt: skip


def _lead_values(lead: Lead) -> dict[str, str]:
    lead.refresh_from_db()
    return {name: getattr(lead, name) for name in LEAD_VALUES}


def test_erasing_a_lead_blanks_every_personal_field_of_it(rep, admin_user):
    lead = LeadFactory(owner=rep, **LEAD_VALUES)

    counts = person_erase(lead, acting_user=admin_user)

    values = _lead_values(lead)
    assert counts["leads"] == 1
    assert values == {
        "first_name": "", "last_name": f"Erased person {lead.pk}", "email": "", "phone": "",
        "title": "", "notes": "", "website": "",
    }  # fmt: skip
    assert not Lead.objects.filter(email__iexact=EMAIL).exists()


def test_erasing_the_contact_also_erases_the_lead_with_the_same_email(rep, admin_user):
    contact = ContactFactory(owner=rep, first_name="Anna", last_name="Meyer", email=EMAIL)
    lead = LeadFactory(owner=rep, **{**LEAD_VALUES, "email": EMAIL.upper()})
    other = LeadFactory(owner=rep, first_name="Bob", last_name="Other", email="bob@x.example")

    person_erase(contact, acting_user=admin_user)

    values = _lead_values(lead)
    assert values["email"] == "" and values["phone"] == "" and values["first_name"] == ""
    assert "Meyer" not in values["last_name"]
    assert not Lead.objects.filter(email__iexact=EMAIL).exists()
    assert not Contact.objects.filter(email__iexact=EMAIL).exists()
    other.refresh_from_db()
    assert (other.first_name, other.email) == ("Bob", "bob@x.example")  # someone else stays


def test_after_erasure_a_second_request_for_the_email_finds_nothing_to_export(rep, admin_user):
    lead = LeadFactory(owner=rep, **LEAD_VALUES)
    person_erase(lead, acting_user=admin_user)
    lead.refresh_from_db()

    data = person_export(lead, acting_user=admin_user)

    assert EMAIL not in str(data).lower() and "anna" not in str(data).lower()


# Found by `make mutation` in session 12 (docs/testing.md): who "the person" is when the
# subject has no email, and records of the other kind that share the subject's id.


def test_a_subject_without_email_is_the_person_alone(rep, admin_user):
    contact = ContactFactory(owner=rep, email="", pk=777_777)
    ContactFactory(owner=rep, email="")  # someone else without an email
    LeadFactory(owner=rep, email="", pk=777_777)  # a lead that only shares the number

    exported = person_export(contact, acting_user=admin_user)

    assert [c["id"] for c in exported["contacts"]] == [contact.pk]
    assert exported["leads"] == []


def test_a_lead_without_email_is_the_person_alone(rep, admin_user):
    lead = LeadFactory(owner=rep, email="", pk=777_777)
    LeadFactory(owner=rep, email="")
    ContactFactory(owner=rep, email="", pk=777_777)

    exported = person_export(lead, acting_user=admin_user)

    assert [item["id"] for item in exported["leads"]] == [lead.pk]
    assert exported["contacts"] == []
    counts = person_erase(lead, acting_user=admin_user)
    assert (counts["leads"], counts.get("contacts", 0)) == (1, 0)
    assert Contact.objects.filter(pk=777_777).exclude(first_name="").exists()


# Found by `make mutation` (session 13, docs/testing.md): the values erasure searches for.
# Erasure is the rule: each test puts ONE kind of value of the person in a record that is not
# theirs and checks it is gone afterwards (strong values everywhere, weak ones where linked),
# and that what is not the person's stays.

ZORA = {
    "first_name": "Zorabel", "last_name": "Quintrell", "email": "zorabel.q@contact-test.example",
    "phone": "+49 30 5550 1234",
}  # fmt: skip
LENA = {
    "first_name": "Lenavie", "last_name": "Vantorff", "email": "lenavie.v@lead-test.example",
    "phone": "+49 40 5550 9876",
}  # fmt: skip


def _unrelated_note(owner, body: str) -> Activity:
    """A note on a deal of someone else's account: not linked to the person."""
    return ActivityFactory(owner=owner, type="note", subject="Elsewhere", body=body)


def _body(activity: Activity) -> str:
    activity.refresh_from_db()
    return activity.body


def _personal_field(kind: str, key: str, **extra) -> CustomField:
    return CustomField.objects.create(
        kind=kind, key=key, label=key.replace("_", " ").title(), type="text", is_personal=True,
        **extra,
    )  # fmt: skip


def test_a_contacts_full_name_email_and_phone_are_erased_from_a_note_that_is_not_theirs(
    rep, admin_user
):
    contact = ContactFactory(owner=rep, **ZORA)
    by_name = _unrelated_note(rep, "Lunch with Zorabel Quintrell on Friday")
    by_reversed = _unrelated_note(rep, "Quintrell, Zorabel called")
    by_email = _unrelated_note(rep, "cc zorabel.q@contact-test.example")
    by_phone = _unrelated_note(rep, "Call back on +49 (30) 5550-1234")
    namesake = _unrelated_note(rep, "Zorabel from accounting, Quintrell Street")

    exported = person_export(contact, acting_user=admin_user)
    person_erase(contact, acting_user=admin_user)

    assert _body(by_name) == "Lunch with [erased] on Friday"
    assert _body(by_reversed) == "[erased] called"
    assert _body(by_email) == "cc [erased]"
    assert _body(by_phone) == "Call back on [erased]"
    # A first or last name alone in a record that is not theirs is not them.
    assert _body(namesake) == "Zorabel from accounting, Quintrell Street"
    activities = next(p for p in exported["places"] if p["key"] == "activities.activities")
    assert activities["label"] == "Activities mentioning the person"
    assert {item["id"] for item in activities["items"]} == {
        by_name.pk, by_reversed.pk, by_email.pk, by_phone.pk,
    }  # fmt: skip


def test_a_leads_full_name_email_and_phone_are_erased_from_a_note_that_is_not_theirs(
    rep, admin_user
):
    lead = LeadFactory(owner=rep, **LENA)
    by_name = _unrelated_note(rep, "Met Lenavie Vantorff at the fair")
    by_email = _unrelated_note(rep, "Forwarded to LENAVIE.V@lead-test.example")
    by_phone = _unrelated_note(rep, "Mobile 0049 40 5550 9876")

    person_erase(lead, acting_user=admin_user)

    assert _body(by_name) == "Met [erased] at the fair"
    assert _body(by_email) == "Forwarded to [erased]"
    assert _body(by_phone) == "Mobile [erased]"


def test_personal_custom_values_and_profile_texts_are_erased_where_the_person_is_linked(
    rep, admin_user
):
    _personal_field("contact", "nickname")
    _personal_field("lead", "pet_name")
    CustomField.objects.create(kind="contact", key="fleet", label="Fleet", type="text")
    contact = ContactFactory(
        owner=rep, **ZORA, hobbies="Competitive origami",
        custom={"nickname": "Zozo-Q", "fleet": "Forty trucks"},
    )  # fmt: skip
    lead = LeadFactory(
        owner=rep, **LENA, notes="Prefers calls after lunch", custom={"pet_name": "Lenny-V"}
    )
    contact_deal = DealFactory(owner=rep, account=contact.account, primary_contact=contact)
    lead_deal = DealFactory(owner=rep, lead=lead)
    on_contact_deal = ActivityFactory(
        owner=rep, deal=contact_deal, body="Zozo-Q loves competitive origami; Forty trucks"
    )
    on_lead_deal = ActivityFactory(
        owner=rep, deal=lead_deal, body="Lenny-V prefers calls after lunch."
    )
    # The same words in a record that is not theirs are not them (weak values).
    elsewhere = _unrelated_note(rep, "Zozo-Q, Lenny-V: competitive origami")

    person_erase(contact, acting_user=admin_user)
    person_erase(lead, acting_user=admin_user)

    assert _body(on_contact_deal) == "[erased] loves [erased]; Forty trucks"
    assert _body(on_lead_deal) == "[erased] [erased]."
    assert _body(elsewhere) == "Zozo-Q, Lenny-V: competitive origami"
    contact.refresh_from_db()
    assert contact.custom == {"fleet": "Forty trucks"}  # what is not personal stays


def test_a_personal_custom_value_that_is_an_email_or_a_phone_is_erased_anywhere(rep, admin_user):
    _personal_field("contact", "private_email")
    _personal_field("contact", "private_phone")
    _personal_field("contact", "short_phone")
    _personal_field("contact", "handle")
    _personal_field("lead", "home_email")
    CustomField.objects.create(
        kind="contact", key="children", label="Children", type="number", is_personal=True
    )
    CustomField.objects.create(
        kind="contact", key="vip", label="VIP", type="yes_no", is_personal=True
    )
    contact = ContactFactory(
        owner=rep, **ZORA,
        custom={
            "private_email": "zq@home-test.example", "private_phone": "030 555 777",
            "short_phone": "555 123", "handle": "Twitter: @zoraq", "children": 2, "vip": True,
        },
    )  # fmt: skip
    lead = LeadFactory(owner=rep, **LENA, custom={"home_email": "lv@home-test.example"})
    # One value a note: a note holding a strong value is about the person, and there their
    # profile texts (the custom values among them) go too.
    notes = {
        value: _unrelated_note(rep, f"Reached at {value} today")
        for value in ("zq@home-test.example", "030 555 777", "555 123", "lv@home-test.example")
    }
    handle = _unrelated_note(rep, "Our Twitter: @zoraq campaign")

    person_erase(contact, acting_user=admin_user)
    person_erase(lead, acting_user=admin_user)

    assert {value: _body(note) for value, note in notes.items()} == dict.fromkeys(
        notes, "Reached at [erased] today"
    )
    # A text with words is a profile text, not an address: only searched where linked.
    assert _body(handle) == "Our Twitter: @zoraq campaign"
    contact.refresh_from_db()
    assert contact.custom == {}


def test_an_archived_personal_field_is_still_erased_and_other_custom_values_stay(rep, admin_user):
    _personal_field("lead", "maiden_name", archived_at=timezone.now())
    CustomField.objects.create(kind="lead", key="fleet", label="Fleet", type="text")
    lead = LeadFactory(owner=rep, **LENA, custom={"maiden_name": "Brask", "fleet": "Nine vans"})

    person_erase(lead, acting_user=admin_user)

    lead.refresh_from_db()
    assert lead.custom == {"fleet": "Nine vans"}


def test_what_a_merge_kept_of_the_duplicate_is_searched_and_erased_too(rep, admin_user):
    lead = LeadFactory(owner=rep, **LENA, title="")
    duplicate = LeadFactory(
        owner=rep, first_name="Lenavie", last_name="Braskholm", email="l.brask@old-test.example",
        phone="+49 40 5550 4321", title="Head of Fleet", notes="Knows the harbour master",
    )  # fmt: skip
    duplicate_pk = duplicate.pk
    lead_merge(lead, duplicate, acting_user=rep)
    lead_deal = DealFactory(owner=rep, lead=lead)
    linked = ActivityFactory(owner=rep, deal=lead_deal, body="She knows the harbour master.")
    note = _unrelated_note(rep, "Lenavie Braskholm, l.brask@old-test.example, +49 40 5550 4321")

    exported = person_export(lead, acting_user=admin_user)
    person_erase(lead, acting_user=admin_user)

    assert _body(note) == "[erased], [erased], [erased]"
    assert _body(linked) == "She [erased]."
    # The merged-away lead's recorded changes are the person's too: exported, then emptied.
    assert any("Head of Fleet" in json.dumps(entry["changes"]) for entry in exported["history"])
    gone = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Lead), object_pk=str(duplicate_pk)
    )
    assert gone.exists()
    assert set(gone.values_list("changes", flat=True)) == {None}


def test_a_merged_duplicate_without_an_email_adds_no_email_to_search_for(rep, admin_user):
    lead = LeadFactory(owner=rep, **LENA)
    duplicate = LeadFactory(owner=rep, first_name="Lenavie", last_name="Vantorff", email="")
    lead_merge(lead, duplicate, acting_user=rep)
    card = _unrelated_note(rep, "Card XXXX XXXX 4242 declined")

    person_erase(lead, acting_user=admin_user)

    assert _body(card) == "Card XXXX XXXX 4242 declined"


def test_deals_the_person_is_a_stakeholder_or_referrer_of_and_their_account_are_linked(
    rep, admin_user
):
    contact = ContactFactory(owner=rep, **ZORA)
    # Deal ids far from any BANT record's id, so that neither stands in for the other.
    stakeholder_of = DealFactory(owner=rep, name="Zorabel's renewal", pk=900_001)
    stakeholder_add(stakeholder_of, contact=contact, role="champion", acting_user=rep)
    referred = DealFactory(owner=rep, name="Referred by Zorabel", pk=900_002)
    referral_record(acting_user=rep, referrer_contact=contact, deal=referred)
    own_deal = DealFactory(owner=rep, account=contact.account, primary_contact=contact, pk=900_003)
    deal_qualification_record(own_deal, acting_user=rep, need="Zorabel wants speed")
    on_account = ActivityFactory(
        owner=rep, deal=None, account=contact.account, body="Quintrell asked for a visit"
    )
    untouched = DealFactory(owner=rep, name="Zorabel Street depot", pk=900_004)

    person_erase(contact, acting_user=admin_user)

    stakeholder_of.refresh_from_db()
    referred.refresh_from_db()
    own_deal.refresh_from_db()
    assert stakeholder_of.name == f"Deal #{stakeholder_of.pk}"
    assert referred.name == f"Deal #{referred.pk}"
    assert own_deal.qualification.need == "[erased] wants speed"
    assert _body(on_account) == "[erased] asked for a visit"
    untouched.refresh_from_db()
    assert untouched.name == "Zorabel Street depot"


def test_a_leads_own_bant_answers_are_linked_to_the_lead(rep, admin_user):
    lead = LeadFactory(owner=rep, **LENA)
    lead_qualification_record(lead, acting_user=rep, need="Vantorff needs nine vans")

    person_erase(lead, acting_user=admin_user)

    lead.refresh_from_db()
    assert lead.qualification.need == "[erased] needs nine vans"


def test_audit_events_and_admin_log_entries_about_the_person_are_emptied_and_no_others(
    rep, admin_user
):
    contact = ContactFactory(owner=rep, **ZORA)
    lead = LeadFactory(owner=rep, **{**LENA, "email": ZORA["email"]})  # the same person
    other = ContactFactory(owner=rep)
    # Names as they were when recorded (before a rename): no value of the person now.
    targets = {
        "contact": ("customers.Contact", contact.pk, "Z. Quintrell (VIP)"),
        "lead": ("leads.Lead", lead.pk, "L. Vantorff"),
        "other": ("customers.Contact", other.pk, "Someone Else"),
        "deal with the contact's id": ("pipeline.Deal", contact.pk, "Fleet deal"),
    }
    events = {
        name: AuditEvent.objects.create(
            action=AuditAction.PRIVACY_EXPORT,
            at=timezone.now(),
            object_type=label,
            object_id=str(pk),
            object_repr=text,
        )
        for name, (label, pk, text) in targets.items()
    }
    entries = {
        name: AdminLogEntry.objects.create(
            user=admin_user,
            content_type=ContentType.objects.get_by_natural_key(*label.lower().split(".")),
            object_id=str(pk),
            object_repr=text,
            action_flag=CHANGE,
            change_message="Changed title.",
        )
        for name, (label, pk, text) in targets.items()
    }

    person_erase(contact, acting_user=admin_user)

    reprs = {name: AuditEvent.objects.get(pk=e.pk).object_repr for name, e in events.items()}
    assert reprs == {
        "contact": "Erased", "lead": "Erased", "other": "Someone Else",
        "deal with the contact's id": "Fleet deal",
    }  # fmt: skip
    logged = {
        name: tuple(
            AdminLogEntry.objects.filter(pk=e.pk).values_list("object_repr", "change_message")[0]
        )
        for name, e in entries.items()
    }
    assert logged == {
        "contact": ("Erased", ""), "lead": ("Erased", ""),
        "other": ("Someone Else", "Changed title."),
        "deal with the contact's id": ("Fleet deal", "Changed title."),
    }  # fmt: skip


def test_the_leads_recorded_changes_are_emptied_and_other_leads_keep_theirs(rep, admin_user):
    lead = LeadFactory(owner=rep, **LENA, title="Head of Fleet")
    other = LeadFactory(owner=rep, title="Head of Sales")
    lead_type = ContentType.objects.get_for_model(Lead)

    exported = person_export(lead, acting_user=admin_user)
    person_erase(lead, acting_user=admin_user)

    assert any("Head of Fleet" in json.dumps(entry["changes"]) for entry in exported["history"])
    own = LogEntry.objects.filter(content_type=lead_type, object_pk=str(lead.pk))
    assert own.exists() and set(own.values_list("changes", flat=True)) == {None}
    others = LogEntry.objects.filter(content_type=lead_type, object_pk=str(other.pk))
    assert "Head of Sales" in json.dumps(list(others.values_list("changes", flat=True)))


def test_the_export_of_a_contact_without_account_and_of_activities(rep, admin_user):
    contact = ContactFactory(owner=rep, **ZORA, account=None)
    ActivityFactory(owner=rep, deal=None, contact=contact, subject="Intro call")

    exported = person_export(contact, acting_user=admin_user)

    assert exported["contacts"][0]["account"] is None
    assert exported["contacts"][0]["id"] == contact.pk
    (activity,) = exported["activities"]
    assert activity["subject"] == "Intro call"
    # Who in the company owns the record is not the person's data.
    assert not {"owner", "team", "visibility"} & set(activity)
