"""The places of the apps below privacy that can hold a person's values (see core/personal.py).

Registered from PrivacyConfig.ready(); apps privacy may not import (imports) register their own.
Records of the person themselves (their contacts, leads, activities and recorded changes) are
handled by `services.person_erase` before these places run.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

from salesflow.activities.models import Activity
from salesflow.audit.models import AuditEvent
from salesflow.coaching.models import CallRecord, Review, ReviewScore
from salesflow.core.normalize import company_key, name_key
from salesflow.core.personal import (
    ERASED_MARK,
    Person,
    PersonalPlace,
    personal_data_register,
    text_columns,
    text_place,
)
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead, LeadMerge, Qualification
from salesflow.listviews.models import SavedView
from salesflow.outreach.models import EmailTemplate, Mailing, Recipient, Segment, Unsubscription
from salesflow.pipeline.models import Deal, DealCompetitor, DealStakeholder, StageChange
from salesflow.playbooks.models import DealAnswer, DealObjection, FirstMeeting
from salesflow.quotes.models import Quote, QuoteLine, QuoteStatusChange
from salesflow.referrals.models import Referral

# A person's name, address and number on another person's record stay: a namesake or a
# shared office number is not the person erased. Their free texts are searched.
IDENTITY = {"first_name", "last_name", "name_key", "email", "phone"}


def _on_deals(prefix: str = "deal") -> Any:
    return lambda person: Q(**{f"{prefix}__in": person.deal_ids})


def _without_own(place: PersonalPlace, own: Any) -> PersonalPlace:
    """The place, listing in an export only what is not one of the person's own records (the
    export shows those in full)."""

    def find(person: Person) -> list[dict[str, Any]]:
        skip = own(person)
        return [item for item in place.find(person) if item["id"] not in skip]

    return PersonalPlace(
        place.key, place.label, find, place.erase, columns=place.columns, order=place.order
    )


def _history_own(person: Person) -> set[int]:
    from salesflow.privacy.services import _history_of

    return set(_history_of(person).values_list("pk", flat=True))


def _history_linked(person: Person) -> Q:
    """Recorded changes of the person's deals, their quotes and lines, and their accounts."""
    quotes = Quote.objects.filter(deal__in=person.deal_ids)
    lines = QuoteLine.objects.filter(quote__in=quotes)
    match = Q(pk__in=[])
    for model, ids in (
        (Deal, person.deal_ids),
        (Account, person.account_ids),
        (Quote, set(quotes.values_list("pk", flat=True))),
        (QuoteLine, set(lines.values_list("pk", flat=True))),
    ):
        match |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_pk__in=[str(pk) for pk in ids],
        )
    return match


def _call_records_place() -> PersonalPlace:
    """Transcripts and notes of calls: searched like any text. A recording of the person's own
    call, or of a call whose transcript or notes mention them, is deleted (sound cannot be
    searched); its signals stay."""
    base = text_place(
        "coaching.call_records", "Call recordings, transcripts and notes", CallRecord,
        linked=lambda person: Q(activity__in=person.linked_activity_ids), order=40,
    )  # fmt: skip

    def find(person: Person) -> list[dict[str, Any]]:
        items = base.find(person)
        found = {item["id"] for item in items}
        own = CallRecord.objects.filter(activity__in=person.activity_ids).exclude(pk__in=found)
        for pk, filename in own.exclude(recording="").values_list("pk", "recording_filename"):
            items.append({"model": "coaching.CallRecord", "id": pk, "recording": filename})
        return items

    def erase(person: Person) -> int:
        mentioned = {item["id"] for item in base.find(person)}
        count = base.erase(person)
        doomed = CallRecord.objects.filter(
            Q(activity__in=person.activity_ids) | Q(pk__in=mentioned)
        ).exclude(recording="")
        names = list(doomed.values_list("recording", flat=True))
        count += doomed.update(recording="", recording_filename="", recording_content_type="")
        # What was said on the person's own calls is theirs as a whole; the signals stay.
        own = CallRecord.objects.filter(activity__in=person.activity_ids)
        count += own.exclude(transcript_text="", notes="").update(transcript_text="", notes="")
        storage = CallRecord._meta.get_field("recording").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
        return count

    columns = (*base.columns, "coaching.CallRecord.recording")
    return PersonalPlace(base.key, base.label, find, erase, columns=columns, order=base.order)


def _sessions_place() -> PersonalPlace:
    """Sign-in sessions hold what a page kept between requests (an import draft's sample rows,
    messages): decoded, searched, and saved again without the person's values."""

    def holding(person: Person) -> list[tuple[Session, dict[str, Any]]]:
        found = []
        store = SessionStore()
        # Expired ones too: they stay in the table until `clearsessions` runs.
        for session in Session.objects.iterator():
            data = store.decode(session.session_data)
            if person.mentions(data):
                found.append((session, data))
        return found

    def find(person: Person) -> list[dict[str, Any]]:
        return [
            {"model": "sessions.Session", "id": session.pk[:8] + "…"}
            for session, _ in holding(person)
        ]

    def erase(person: Person) -> int:
        store = SessionStore()
        found = holding(person)
        for session, data in found:
            session.session_data = store.encode(person.scrub_data(data, linked=True))
            session.save(update_fields=["session_data"])
        return len(found)

    return PersonalPlace(
        "sessions", "Sign-in sessions", find, erase,
        columns=("sessions.Session.session_data",), order=95,
    )  # fmt: skip


def places() -> list[PersonalPlace]:
    return [
        text_place(
            "customers.accounts",
            "Accounts (named after the person, notes)",
            Account,
            linked=lambda person: Q(pk__in=person.account_ids),
            strong_only={"name"},
            replace={"name": lambda pk: f"Account #{pk}"},
            derived=lambda changed: (
                {"name_key": name_key(changed["name"])} if "name" in changed else {}
            ),
            order=10,
        ),
        _without_own(
            text_place(
                "customers.contacts",
                "Other contacts' texts",
                Contact,
                fields=[f for f in text_columns(Contact) if f not in IDENTITY],
                order=11,
            ),
            lambda person: person.contact_ids,
        ),
        _without_own(
            text_place(
                "leads.leads",
                "Other leads' texts",
                Lead,
                fields=[f for f in text_columns(Lead) if f not in IDENTITY],
                order=12,
                derived=lambda changed: (
                    {"company_key": company_key(changed["company"])} if "company" in changed else {}
                ),
            ),
            lambda person: person.lead_ids,
        ),
        text_place(
            "leads.qualifications",
            "BANT: decision maker and need",
            Qualification,
            linked=lambda person: Q(pk__in=person.qualification_ids),
            replace={"decision_maker_name": lambda pk: ERASED_MARK},
            order=13,
        ),
        text_place(
            "leads.merges",
            "Merged duplicates' stored data",
            LeadMerge,
            linked=lambda person: Q(lead__in=person.lead_ids) | Q(contact__in=person.contact_ids),
            order=14,
        ),
        text_place(
            "pipeline.deals",
            "Deals (named after the person, custom values)",
            Deal,
            linked=lambda person: Q(pk__in=person.deal_ids),
            replace={"name": lambda pk: f"Deal #{pk}"},
            order=20,
        ),
        text_place(
            "pipeline.stage_changes",
            "Notes on stage moves",
            StageChange,
            linked=_on_deals(),
            order=21,
        ),
        text_place(
            "pipeline.stakeholders",
            "Stakeholders' personality and working style",
            DealStakeholder,
            linked=_on_deals(),
            order=22,
        ),
        text_place(
            "pipeline.competitors",
            "Competitors on deals",
            DealCompetitor,
            linked=_on_deals(),
            order=23,
        ),
        _without_own(
            text_place(
                "activities.activities",
                "Activities mentioning the person",
                Activity,
                linked=lambda person: (
                    Q(pk__in=person.linked_activity_ids) | Q(account__in=person.account_ids)
                ),
                order=30,
            ),
            lambda person: person.activity_ids,
        ),
        _call_records_place(),
        text_place(
            "coaching.reviews",
            "Call reviews",
            Review,
            linked=lambda person: Q(call_record__activity__in=person.linked_activity_ids),
            order=41,
        ),
        text_place(
            "coaching.review_scores",
            "Call review comments",
            ReviewScore,
            linked=lambda person: Q(review__call_record__activity__in=person.linked_activity_ids),
            order=42,
        ),
        text_place("quotes.quotes", "Quotes", Quote, linked=_on_deals(), order=50),
        text_place(
            "quotes.lines", "Quote lines", QuoteLine, linked=_on_deals("quote__deal"), order=51
        ),
        text_place(
            "quotes.status_changes",
            "Quote status notes",
            QuoteStatusChange,
            linked=_on_deals("quote__deal"),
            order=52,
        ),
        text_place(
            "playbooks.answers", "Playbook answers", DealAnswer, linked=_on_deals(), order=55
        ),
        text_place(
            "playbooks.first_meetings",
            "First meeting notes",
            FirstMeeting,
            linked=_on_deals(),
            order=56,
        ),
        text_place(
            "playbooks.objections", "Objections", DealObjection, linked=_on_deals(), order=57
        ),
        text_place(
            "referrals.referrals",
            "Referrals",
            Referral,
            linked=lambda person: (
                Q(referrer_contact__in=person.contact_ids)
                | Q(lead__in=person.lead_ids)
                | Q(deal__in=person.deal_ids)
                | Q(account__in=person.account_ids)
            ),
            order=60,
        ),
        text_place(
            "outreach.recipients",
            "Campaign recipients",
            Recipient,
            linked=lambda person: Q(contact__in=person.contact_ids),
            order=65,
        ),
        text_place(
            "outreach.unsubscriptions",
            "Unsubscriptions",
            Unsubscription,
            linked=lambda person: Q(contact__in=person.contact_ids),
            order=66,
        ),
        text_place("outreach.mailings", "Campaigns", Mailing, order=67),
        text_place("outreach.templates", "Email templates", EmailTemplate, order=68),
        text_place("outreach.segments", "Segments", Segment, order=69),
        text_place("listviews.saved_views", "Saved list views", SavedView, order=70),
        _without_own(
            text_place(
                "auditlog.history",
                "Recorded changes of other records",
                LogEntry,
                fields=[
                    "object_repr",
                    "changes",
                    "changes_text",
                    "serialized_data",
                    "additional_data",
                ],
                linked=_history_linked,
                order=80,
            ),
            _history_own,
        ),
        text_place(
            "audit.events",
            "Audit events",
            AuditEvent,
            fields=["actor_label", "object_repr", "details"],
            order=81,
        ),
        text_place(
            "admin.log",
            "Admin site log",
            AdminLogEntry,
            fields=["object_repr", "change_message"],
            order=82,
        ),
        text_place(
            "tasks.results",
            "Background task results",
            DBTaskResult,
            fields=["args_kwargs", "return_value", "traceback"],
            order=90,
        ),
        _sessions_place(),
    ]


def places_register() -> None:
    for place in places():
        personal_data_register(place)
