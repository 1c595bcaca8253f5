"""Privacy requests: everything held about a person, and erasing the person everywhere.

A person is a Contact or a Lead. Other contacts and leads with the same email address, the
contact a lead was converted into and the leads converted into a contact are the same person
and are included. Their own records are anonymised; everywhere else their values (name, email
address, phone number, profile texts) are replaced by "[erased]" in free text, through the
places registered in `salesflow.core.personal` (docs/privacy.md lists them). Deals, amounts,
activity counts and dates stay, so reports keep their figures.
"""

from __future__ import annotations

import json
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.forms.models import model_to_dict

from salesflow.activities.models import Activity
from salesflow.audit.models import AuditAction, AuditEvent
from salesflow.audit.services import audit_event_record
from salesflow.core.normalize import person_name_key
from salesflow.core.personal import Person, personal_data_places
from salesflow.customers.models import Contact
from salesflow.customfields.selectors import custom_fields_of
from salesflow.leads.models import FormSubmission, Lead, LeadMerge
from salesflow.outreach.models import Recipient, Unsubscription
from salesflow.pipeline.models import Deal, DealStakeholder
from salesflow.referrals.models import Referral
from salesflow.users.policy import require_admin

ERASED = "Erased"
PROFILE = (
    "family", "hobbies", "education", "achievements", "places_visited", "cultural_background",
    "topics", "notes",
)  # fmt: skip
CONTACT_PERSONAL = ("first_name", "email", "phone", "position", "birthday", *PROFILE)
LEAD_PERSONAL = ("first_name", "email", "phone", "title", "notes", "website")
# What a merge keeps of the merged lead that is the person's, blanked on erasure.
MERGE_PERSONAL = ("first_name", "last_name", "title", "email", "phone", "notes", "website")


def person_records(subject: Contact | Lead) -> tuple[list[Contact], list[Lead]]:
    """The subject, every other contact or lead with the same email address, the contact a lead
    was converted into and the leads converted into a contact."""
    same_email = Q(email__iexact=subject.email) if subject.email else Q(pk__in=[])
    contact_q = Q(pk=subject.pk) if isinstance(subject, Contact) else Q(pk__in=[])
    lead_q = Q(pk=subject.pk) if isinstance(subject, Lead) else Q(pk__in=[])
    first = set(Contact.objects.filter(contact_q | same_email).values_list("pk", flat=True))
    leads = list(Lead.objects.filter(lead_q | same_email | Q(converted_contact__in=first)))
    converted = {lead.converted_contact_id for lead in leads if lead.converted_contact_id}
    contacts = list(
        Contact.objects.filter(pk__in=first | converted).select_related("account").order_by("pk")
    )
    return contacts, leads


def person_of(contacts: list[Contact], leads: list[Lead]) -> Person:
    """The person's ids, the records linked to them and their values, for the places."""
    person = Person(contact_ids={c.pk for c in contacts}, lead_ids={lead.pk for lead in leads})
    personal = {kind: _personal_keys(kind) for kind in ("contact", "lead")}
    for contact in contacts:
        custom = [v for k, v in (contact.custom or {}).items() if k in personal["contact"]]
        person.add_values(
            first_name=contact.first_name, last_name=contact.last_name, email=contact.email,
            phone=contact.phone, texts=[*(getattr(contact, n) for n in PROFILE), *custom],
        )  # fmt: skip
        _custom_contact_values(person, custom)
    for lead in leads:
        custom = [v for k, v in (lead.custom or {}).items() if k in personal["lead"]]
        person.add_values(
            first_name=lead.first_name, last_name=lead.last_name, email=lead.email,
            phone=lead.phone, texts=[lead.notes, *custom],
        )  # fmt: skip
        _custom_contact_values(person, custom)
    for duplicate_id, data in _merges_of(person).values_list("duplicate_id", "duplicate_data"):
        person.merged_lead_ids.add(duplicate_id)
        data = data if isinstance(data, dict) else {}
        text = {name: str(data.get(name) or "") for name in MERGE_PERSONAL}
        person.add_values(
            first_name=text["first_name"], last_name=text["last_name"], email=text["email"],
            phone=text["phone"], texts=[text["notes"]],
        )  # fmt: skip
    deals = Deal.objects.filter(
        Q(primary_contact__in=person.contact_ids)
        | Q(lead__in=person.lead_ids)
        | Q(stakeholders__contact__in=person.contact_ids)
        | Q(pk__in=Referral.objects.filter(
            Q(referrer_contact__in=person.contact_ids) | Q(lead__in=person.lead_ids)
        ).values("deal"))
    )  # fmt: skip
    person.deal_ids = set(deals.values_list("pk", flat=True))
    person.account_ids = {c.account_id for c in contacts if c.account_id} | {
        lead.converted_account_id for lead in leads if lead.converted_account_id
    }
    person.activity_ids = set(_activities_of(contacts, leads).values_list("pk", flat=True))
    on_deals = Activity.objects.filter(deal__in=person.deal_ids).values_list("pk", flat=True)
    person.linked_activity_ids = person.activity_ids | set(on_deals)
    person.qualification_ids = {
        pk
        for pk in [
            *(lead.qualification_id for lead in leads),
            *Deal.objects.filter(pk__in=person.deal_ids).values_list("qualification", flat=True),
        ]
        if pk is not None
    }
    return person


def _custom_contact_values(person: Person, values: list[Any]) -> None:
    """Personal custom values that are an email address or a phone number are searched as
    such (anywhere), not only as profile texts."""
    for value in values:
        if isinstance(value, str) and "@" in value and " " not in value.strip():
            person.add_values(email=value)
        elif (
            isinstance(value, str)
            and sum(ch.isdigit() for ch in value) >= 6
            and not any(ch.isalpha() for ch in value)
        ):
            person.add_values(phone=value)


def _merges_of(person: Person) -> models.QuerySet[LeadMerge]:
    return LeadMerge.objects.filter(Q(lead__in=person.lead_ids) | Q(contact__in=person.contact_ids))


def _own_targets(person: Person) -> Q:
    """Audit events and admin log entries about the person's own records."""
    match = Q(pk__in=[])
    for model, ids in ((Contact, person.contact_ids), (Lead, person.lead_ids)):
        match |= Q(object_type=model._meta.label, object_id__in=[str(pk) for pk in ids])
    return match


def _admin_log_of(person: Person) -> models.QuerySet[AdminLogEntry]:
    match = Q(pk__in=[])
    for model, ids in ((Contact, person.contact_ids), (Lead, person.lead_ids)):
        match |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        )
    return AdminLogEntry.objects.filter(match)


def _activities_of(contacts: list[Contact], leads: list[Lead]) -> models.QuerySet[Activity]:
    return Activity.objects.filter(
        Q(contact__in=[c.pk for c in contacts]) | Q(lead__in=[lead.pk for lead in leads])
    ).order_by("created_at")


def _history_of(person: Person) -> models.QuerySet[LogEntry]:
    """The recorded changes of the person's contacts and leads (merged-away leads included)."""
    match = Q(pk__in=[])
    for model, ids in (
        (Contact, person.contact_ids),
        (Lead, person.lead_ids | person.merged_lead_ids),
    ):
        match |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_pk__in=[str(pk) for pk in ids],
        )
    return LogEntry.objects.filter(match).order_by("timestamp")


def _personal_keys(kind: str) -> set[str]:
    """The keys of the kind's custom fields an admin marked as personal data (archived ones too:
    their values are still stored)."""
    return {field.key for field in custom_fields_of(kind, archived=True) if field.is_personal}


def _without_personal(record: models.Model, keys: set[str]) -> None:
    record.custom = {key: value for key, value in (record.custom or {}).items() if key not in keys}


def _plain(record: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    data = model_to_dict(record, exclude=list(exclude))
    data["id"] = record.pk
    return data


def _contact_export(contact: Contact) -> dict[str, Any]:
    """The contact's own fields, its account by name, and the deals it is the primary contact of."""
    return {
        **_plain(contact),
        "account": contact.account.name if contact.account else None,
        "deals": list(contact.deals.values("id", "name", "outcome", "amount", "currency")),
    }


def _places_found(person: Person) -> list[dict[str, Any]]:
    found = []
    for place in personal_data_places():
        items = place.find(person)
        if items:
            found.append({"key": place.key, "label": place.label, "items": items})
    return found


@transaction.atomic
def person_export(
    subject: Contact | Lead, *, acting_user: Any, request: Any = None
) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data; the export itself is recorded.

    `places` lists every other place holding their values (the places `person_erase` reaches):
    for each, the records and the fields that mention them.
    """
    require_admin(acting_user)
    contacts, leads = person_records(subject)
    person = person_of(contacts, leads)
    activities = _activities_of(contacts, leads)
    history = _history_of(person)
    data = {
        "subject": {"type": subject._meta.model_name, "id": subject.pk},
        "contacts": [_contact_export(c) for c in contacts],
        "leads": [_plain(lead) for lead in leads],
        "activities": [_plain(a, exclude=("owner", "team", "visibility")) for a in activities],
        "history": [
            {"timestamp": e.timestamp, "action": e.get_action_display(), "changes": e.changes}
            for e in history
        ],
        "merges": [
            {"id": m.pk, "duplicate_id": m.duplicate_id, "data": m.duplicate_data}
            for m in _merges_of(person)
        ],
        "places": _places_found(person),
    }
    audit_event_record(
        action=AuditAction.PRIVACY_EXPORT, actor=acting_user, request=request, target=subject,
        details={"contacts": [c.pk for c in contacts], "leads": [lead.pk for lead in leads]},
    )  # fmt: skip
    # Round-trip through the JSON encoder so dates and decimals come out as text.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@transaction.atomic
def person_erase(
    subject: Contact | Lead, *, acting_user: Any, request: Any = None
) -> dict[str, int]:
    """Anonymise the person's records and replace their values everywhere else; keep figures.

    Their contacts and leads keep only a placeholder name and their links; their activities
    keep type, dates and links but lose subject and texts (and call recordings and
    transcripts); their recorded changes, stakeholder notes, merge snapshots and campaign
    addresses are emptied. Then every registered place replaces their values in free text.
    """
    require_admin(acting_user)
    contacts, leads = person_records(subject)
    person = person_of(contacts, leads)
    activities = _activities_of(contacts, leads)
    history = _history_of(person)
    counts = {"contacts": len(contacts), "leads": len(leads)}
    personal = {kind: _personal_keys(kind) for kind in ("contact", "lead", "activity", "deal")}
    # The erasure must not itself copy the personal values into new audit entries.
    with disable_auditlog():
        for contact in contacts:
            _without_personal(contact, personal["contact"])
            for name in CONTACT_PERSONAL:
                field = Contact._meta.get_field(name)
                setattr(contact, name, None if field.null else "")
            contact.last_name = f"{ERASED} person {contact.pk}"
            contact.name_key = person_name_key(contact.first_name, contact.last_name)
            contact.has_consent = False
            contact.consent_at = None
            contact.do_not_contact = True
            contact.version += 1
            contact.save()
        for lead in leads:
            _without_personal(lead, personal["lead"])
            for name in LEAD_PERSONAL:
                setattr(lead, name, "")
            lead.last_name = f"{ERASED} person {lead.pk}"
            lead.name_key = person_name_key(lead.first_name, lead.last_name)
            lead.version += 1
            lead.save()
        # The address their web-form submissions came from.
        FormSubmission.objects.filter(lead__in=person.lead_ids).update(ip_address=None)
        if personal["activity"]:
            for activity in activities.filter(custom__has_any_keys=list(personal["activity"])):
                _without_personal(activity, personal["activity"])
                activity.save(update_fields=["custom"])
        counts["activities"] = activities.update(
            subject=ERASED, body="", outcome="", no_next_step_reason=""
        )
        if personal["deal"]:
            deals = Deal.objects.filter(
                pk__in=person.deal_ids, custom__has_any_keys=list(personal["deal"])
            )
            for deal in deals:
                _without_personal(deal, personal["deal"])
                deal.save(update_fields=["custom"])
        DealStakeholder.objects.filter(contact__in=person.contact_ids).update(
            personality="", working_style=""
        )
        for merge in _merges_of(person):
            data = dict(merge.duplicate_data or {})
            data.update({name: "" for name in MERGE_PERSONAL if name in data})
            LeadMerge.objects.filter(pk=merge.pk).update(duplicate_data=data)
        Recipient.objects.filter(contact__in=person.contact_ids).update(email="")
        Unsubscription.objects.filter(contact__in=person.contact_ids).update(email="")
        counts["history"] = history.update(
            changes=None, changes_text="", serialized_data=None, object_repr=ERASED,
            additional_data=None,
        )  # fmt: skip
        AuditEvent.objects.filter(_own_targets(person)).update(object_repr=ERASED)
        _admin_log_of(person).update(object_repr=ERASED, change_message="")
        counts["elsewhere"] = sum(place.erase(person) for place in personal_data_places())
    audit_event_record(
        action=AuditAction.PRIVACY_ERASE, actor=acting_user, request=request,
        details={"subject_type": subject._meta.model_name, "subject_id": subject.pk, **counts},
    )  # fmt: skip
    return counts
