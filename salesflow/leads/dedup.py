"""Finding and merging duplicates among leads and contacts.

`duplicates_find` narrows in SQL (equal email, equal phone, equal company key, equal name key)
to a few rows, then compares names with rapidfuzz on those only. Merges keep a `LeadMerge` row
and a note on the timeline saying what was merged, by whom, and what it held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rapidfuzz import fuzz, utils

from salesflow.core.errors import DomainError
from salesflow.core.normalize import (
    company_key,
    normalize_email,
    normalize_phone,
    person_name_key,
)
from salesflow.core.services import instance_save_versioned
from salesflow.customers.models import Contact
from salesflow.customers.selectors import contacts_visible_to
from salesflow.customers.services import contact_update
from salesflow.leads.models import Lead, LeadMerge, LeadStatus
from salesflow.leads.scoring import lead_rescore
from salesflow.leads.selectors import leads_visible_to
from salesflow.users.services import record_require_write

# Names at least this similar (0-100, rapidfuzz token sort ratio) at the same company match.
NAME_SIMILARITY_MIN = 85
# Rows read per kind before comparing names in Python.
CANDIDATES_PER_KIND = 50
SCORE_EXACT_EMAIL = 100
SCORE_EXACT_PHONE = 95
# A name match, however close, ranks below an equal email or phone.
NAME_SCORE_FACTOR = 0.9
# The same full name where at most one side names a company: below any similar name at the
# same company (85% * 0.9). The same name at two different companies is someone else.
SCORE_EXACT_NAME = 70

MERGE_FILL_FIELDS = (
    "first_name", "last_name", "title", "email", "phone", "company", "industry", "size_band",
    "region", "website", "campaign", "capture_form", "external_id",
)  # fmt: skip


@dataclass(frozen=True)
class DuplicateCandidate:
    """A lead or contact that may be the same person, with why and how sure (0-100)."""

    record: Lead | Contact
    kind: str  # "lead" or "contact"
    score: int
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return self.reasons[0]


def _email_or_blank(raw: str) -> str:
    try:
        return normalize_email(raw)
    except ValidationError:
        return ""


def _phone_or_blank(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return ""


def _name_similarity(a: str, b: str) -> int:
    if not a.strip() or not b.strip():
        return 0
    return round(fuzz.token_sort_ratio(a, b, processor=utils.default_process))


def _match(
    *, email: str, phone: str, name: str, key: str, name_key: str, rec_email: str,
    rec_phone: str, rec_name: str, rec_key: str, rec_name_key: str,
) -> tuple[int, tuple[str, ...]]:  # fmt: skip
    found: list[tuple[int, str]] = []
    if email and rec_email.lower() == email:
        found.append((SCORE_EXACT_EMAIL, "exact email"))
    if phone and rec_phone == phone:
        found.append((SCORE_EXACT_PHONE, "exact phone"))
    if name_key and rec_name_key == name_key and not (key and rec_key):
        found.append((SCORE_EXACT_NAME, "exact name"))
    if key and rec_key == key:
        similarity = _name_similarity(name, rec_name)
        if similarity >= NAME_SIMILARITY_MIN:
            found.append(
                (
                    round(similarity * NAME_SCORE_FACTOR),
                    f"similar name at same company ({similarity}%)",
                )
            )
    if not found:
        return 0, ()
    found.sort(key=lambda item: -item[0])
    return found[0][0], tuple(reason for _, reason in found)


def duplicates_find(
    *,
    user: Any,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    company: str = "",
    exclude_lead: Lead | None = None,
    exclude_contact: Contact | None = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Leads and contacts the user may read that may be this person, best first.

    The same full name ("JOSÉ GARCÍA" for "José García") is a candidate unless both name a
    company and the companies differ; a similar name counts at the same company. Bad email or
    phone input is ignored rather than refused: this only looks. Converted leads are left out;
    their person is a contact now.
    """
    email = _email_or_blank(email)
    phone = _phone_or_blank(phone)
    key = company_key(company)
    name = f"{first_name} {last_name}".strip()
    # A full name is worth a look on its own, whatever its case or spacing; a single word
    # ("Lima") is too common to be.
    name_key = person_name_key(first_name, last_name)
    name_key = name_key if len(name_key.split()) > 1 else ""
    equal = [Q(email=email)] if email else []
    equal += [Q(phone=phone)] if phone else []
    equal += [Q(name_key=name_key)] if name_key else []
    has_name_and_company = bool(name and key)
    if not equal and not has_name_and_company:
        return []

    candidates: list[DuplicateCandidate] = []
    lead_filter = Q(company_key=key) if has_name_and_company else Q(pk__in=[])
    for q in equal:
        lead_filter |= q
    leads = (
        leads_visible_to(user)
        .filter(lead_filter)
        .exclude(status=LeadStatus.CONVERTED)
        .order_by("-created_at", "-pk")
    )
    if exclude_lead is not None:
        leads = leads.exclude(pk=exclude_lead.pk)
    for lead in leads[:CANDIDATES_PER_KIND]:
        score, reasons = _match(
            email=email, phone=phone, name=name, key=key, name_key=name_key,
            rec_email=lead.email, rec_phone=lead.phone, rec_name=lead.full_name,
            rec_key=lead.company_key, rec_name_key=lead.name_key,
        )  # fmt: skip
        if reasons:
            candidates.append(DuplicateCandidate(lead, "lead", score, reasons))

    # Accounts keep no company key: narrow by the key's longest word, compare keys in Python.
    contact_filter = Q(pk__in=[])
    if has_name_and_company:
        contact_filter |= Q(account__name__icontains=max(key.split(), key=len))
    for q in equal:
        contact_filter |= q
    contacts = contacts_visible_to(user).filter(contact_filter).select_related("account")
    if exclude_contact is not None:
        contacts = contacts.exclude(pk=exclude_contact.pk)
    for contact in contacts.order_by("-created_at", "-pk")[:CANDIDATES_PER_KIND]:
        score, reasons = _match(
            email=email, phone=phone, name=name, key=key, name_key=name_key,
            rec_email=contact.email, rec_phone=contact.phone, rec_name=contact.full_name,
            rec_key=company_key(contact.account.name) if contact.account else "",
            rec_name_key=contact.name_key,
        )  # fmt: skip
        if reasons:
            candidates.append(DuplicateCandidate(contact, "contact", score, reasons))

    candidates.sort(key=lambda c: (-c.score, c.kind != "lead", -c.record.pk))
    return candidates[:limit]


def lead_duplicates(lead: Lead, *, user: Any, limit: int = 10) -> list[DuplicateCandidate]:
    """The possible duplicates of an existing lead, for its detail page."""
    return duplicates_find(
        user=user,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        phone=lead.phone,
        company=lead.company,
        exclude_lead=lead,
        limit=limit,
    )


# Merging ---------------------------------------------------------------------------------------


def _snapshot(lead: Lead) -> dict[str, Any]:
    data: dict[str, Any] = {
        name: getattr(lead, name)
        for name in (
            "first_name", "last_name", "title", "email", "phone", "company", "industry",
            "size_band", "region", "website", "channel", "source", "status", "notes",
            "external_id", "visibility",
        )
    }  # fmt: skip
    for name in ("campaign_id", "owner_id", "team_id", "qualification_id", "capture_form_id"):
        data[name] = getattr(lead, name)
    data["created_at"] = lead.created_at.isoformat() if lead.created_at else None
    return data


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _timeline_note(*, acting_user: Any, subject: str, body: str, **links: Any) -> None:
    record = links.get("contact") or links.get("lead")
    Lead.activities.field.model.objects.create(
        type="note",
        subject=subject[:200],
        body=body,
        done_at=timezone.now(),
        owner=acting_user,
        team=record.team,
        visibility=record.visibility,
        **links,
    )


@transaction.atomic
def lead_merge(primary: Lead, duplicate: Lead, *, acting_user: Any) -> Lead:
    """Merge `duplicate` into `primary` and delete it.

    The primary keeps its values; its blank fields take the duplicate's, its notes get the
    duplicate's appended, and the duplicate's activities, web-form submissions and BANT record
    (when the primary has none) move over. A LeadMerge row and a timeline note record the merge.
    """
    record_require_write(acting_user, primary)
    record_require_write(acting_user, duplicate)
    if primary.pk == duplicate.pk:
        raise ValidationError({"duplicate": "A lead cannot be merged into itself."})
    if LeadStatus.CONVERTED in (primary.status, duplicate.status):
        raise DomainError("A converted lead cannot be merged; merge into its contact instead.")
    duplicate = Lead.objects.select_for_update().get(pk=duplicate.pk)
    snapshot = _snapshot(duplicate)

    filled = []
    for name in MERGE_FILL_FIELDS:
        value = getattr(duplicate, name)
        if _blank(getattr(primary, name)) and not _blank(value):
            setattr(primary, name, value)
            filled.append(name)
    changed = list(filled)
    if "company" in filled:
        primary.company_key = company_key(primary.company)
        changed.append("company_key")
    if {"first_name", "last_name"} & set(filled):
        primary.name_key = person_name_key(primary.first_name, primary.last_name)
        changed.append("name_key")
    if duplicate.notes.strip() and duplicate.notes.strip() not in primary.notes:
        primary.notes = f"{primary.notes}\n\nFrom merged lead #{duplicate.pk}:\n{duplicate.notes}"
        primary.notes = primary.notes.strip()
        changed.append("notes")
    if duplicate.first_response_at and (
        primary.first_response_at is None or duplicate.first_response_at < primary.first_response_at
    ):
        primary.first_response_at = duplicate.first_response_at
        changed.append("first_response_at")
    orphan_bant = None
    if duplicate.qualification_id is not None:
        # One BANT record per lead: clear the duplicate's link before the primary takes it.
        Lead.objects.filter(pk=duplicate.pk).update(qualification=None)
        if primary.qualification_id is None:
            primary.qualification_id = duplicate.qualification_id
            changed.append("qualification")
            filled.append("qualification")
        else:
            orphan_bant = duplicate.qualification

    moved = duplicate.activities.update(lead=primary)
    duplicate.submissions.update(lead=primary)
    duplicate.deals.update(lead=primary)
    duplicate.merges.update(lead=primary)
    instance_save_versioned(primary, changed=changed)
    LeadMerge.objects.create(
        lead=primary,
        duplicate_id=duplicate.pk,
        duplicate_data=snapshot,
        fields_filled=filled,
        activities_moved=moved,
        merged_at=timezone.now(),
        merged_by=acting_user,
    )
    _timeline_note(
        acting_user=acting_user,
        lead=primary,
        subject=f"Merged duplicate lead #{duplicate.pk} ({duplicate.display_name})",
        body=(
            f"Merged by {acting_user}. Fields filled from the duplicate: "
            f"{', '.join(filled) or 'none'}. Activities moved: {moved}."
        ),
    )
    duplicate.delete()
    if orphan_bant is not None and not orphan_bant.deals.exists():
        orphan_bant.delete()
    return lead_rescore(primary)


@transaction.atomic
def lead_merge_into_contact(lead: Lead, contact: Contact, *, acting_user: Any) -> Contact:
    """The lead is a person we already have as a contact: fold it into the contact.

    The contact's blank first name, position, email and phone take the lead's; the lead's
    activities are attached to the contact (and its account) and stay linked to the lead, which
    becomes converted with a link to the contact.
    """
    record_require_write(acting_user, lead)
    record_require_write(acting_user, contact)
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError("This lead is already converted.")
    fills = {
        contact_name: getattr(lead, lead_name)
        for contact_name, lead_name in (
            ("first_name", "first_name"), ("position", "title"), ("email", "email"),
            ("phone", "phone"),
        )
        if not getattr(contact, contact_name) and getattr(lead, lead_name)
    }  # fmt: skip
    if fills:
        contact = contact_update(contact, acting_user=acting_user, **fills)
    activities = lead.activities.all()
    moved = activities.filter(contact__isnull=True).update(contact=contact)
    if contact.account_id:
        activities.filter(account__isnull=True).update(account_id=contact.account_id)

    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_contact = contact
    lead.converted_account_id = contact.account_id
    instance_save_versioned(
        lead, changed=["status", "converted_at", "converted_contact", "converted_account"]
    )
    LeadMerge.objects.create(
        lead=lead,
        contact=contact,
        duplicate_id=lead.pk,
        duplicate_data=_snapshot(lead),
        fields_filled=sorted(fills),
        activities_moved=moved,
        merged_at=lead.converted_at,
        merged_by=acting_user,
    )
    _timeline_note(
        acting_user=acting_user,
        contact=contact,
        lead=lead,
        subject=f"Merged lead #{lead.pk} ({lead.display_name}) into this contact",
        body=(
            f"Merged by {acting_user}. Fields filled from the lead: "
            f"{', '.join(sorted(fills)) or 'none'}. Activities moved: {moved}."
        ),
    )
    return contact
