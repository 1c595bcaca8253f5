"""Privacy requests: everything held about a person, and erasing the person everywhere.

A person is a Contact or a Lead. Other contacts and leads with the same email address are the
same person and are included. Deals, activity counts and dates stay, so reports keep their
figures; what identifies or describes the person goes.
"""

from __future__ import annotations

import json
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.forms.models import model_to_dict

from salesflow.activities.models import Activity
from salesflow.audit.models import AuditAction
from salesflow.audit.services import audit_event_record
from salesflow.core.normalize import person_name_key
from salesflow.customers.models import Contact
from salesflow.customfields.selectors import custom_fields_of
from salesflow.leads.models import Lead
from salesflow.users.policy import require_admin

ERASED = "Erased"
CONTACT_PERSONAL = (
    "first_name", "email", "phone", "position", "birthday", "family", "hobbies", "education",
    "achievements", "places_visited", "cultural_background", "notes",
)  # fmt: skip
LEAD_PERSONAL = ("first_name", "email", "phone", "title", "notes", "website")


def person_records(subject: Contact | Lead) -> tuple[list[Contact], list[Lead]]:
    """The subject and every other contact or lead with the same email address."""
    same_email = Q(email__iexact=subject.email) if subject.email else Q(pk__in=[])
    contact_q = Q(pk=subject.pk) if isinstance(subject, Contact) else Q(pk__in=[])
    lead_q = Q(pk=subject.pk) if isinstance(subject, Lead) else Q(pk__in=[])
    contacts = list(Contact.objects.filter(contact_q | same_email).select_related("account"))
    leads = list(Lead.objects.filter(lead_q | same_email))
    return contacts, leads


def _activities_of(contacts: list[Contact], leads: list[Lead]) -> models.QuerySet[Activity]:
    return Activity.objects.filter(
        Q(contact__in=[c.pk for c in contacts]) | Q(lead__in=[lead.pk for lead in leads])
    ).order_by("created_at")


def _history_of(records: list[models.Model]) -> models.QuerySet[LogEntry]:
    match = Q(pk__in=[])
    for record in records:
        match |= Q(content_type=ContentType.objects.get_for_model(record), object_pk=str(record.pk))
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


@transaction.atomic
def person_export(
    subject: Contact | Lead, *, acting_user: Any, request: Any = None
) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data; the export itself is recorded."""
    require_admin(acting_user)
    contacts, leads = person_records(subject)
    activities = _activities_of(contacts, leads)
    history = _history_of([*contacts, *leads])
    data = {
        "subject": {"type": subject._meta.model_name, "id": subject.pk},
        "contacts": [_contact_export(c) for c in contacts],
        "leads": [_plain(lead) for lead in leads],
        "activities": [_plain(a, exclude=("owner", "team", "visibility")) for a in activities],
        "history": [
            {"timestamp": e.timestamp, "action": e.get_action_display(), "changes": e.changes}
            for e in history
        ],
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
    """Anonymise the person in every record, activity and audit value; keep the figures."""
    require_admin(acting_user)
    contacts, leads = person_records(subject)
    activities = _activities_of(contacts, leads)
    history = _history_of([*contacts, *leads])
    counts = {"contacts": len(contacts), "leads": len(leads)}
    personal = {kind: _personal_keys(kind) for kind in ("contact", "lead", "activity")}
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
        if personal["activity"]:
            for activity in activities.filter(custom__has_any_keys=list(personal["activity"])):
                _without_personal(activity, personal["activity"])
                activity.save(update_fields=["custom"])
        counts["activities"] = activities.update(subject=ERASED, body="", outcome="")
        counts["history"] = history.update(
            changes=None, changes_text="", serialized_data=None, object_repr=ERASED
        )
    audit_event_record(
        action=AuditAction.PRIVACY_ERASE, actor=acting_user, request=request,
        details={"subject_type": subject._meta.model_name, "subject_id": subject.pk, **counts},
    )  # fmt: skip
    return counts
