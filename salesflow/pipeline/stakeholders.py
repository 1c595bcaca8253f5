"""What the team knows around a deal: the customer's people (stakeholders) and the competition.

Writes on a deal need write access to it; the shared competitor list is open to every active
user to extend, and to managers and admins to edit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.errors import AccessDenied
from salesflow.core.normalize import person_name_key
from salesflow.core.services import fields_assign
from salesflow.customers.models import Contact
from salesflow.customers.selectors import contacts_visible_to
from salesflow.customers.services import contact_create
from salesflow.pipeline.models import (
    Attitude,
    Competitor,
    CompetitorStatus,
    Deal,
    DealCompetitor,
    DealStakeholder,
    StakeholderRole,
)
from salesflow.users.services import record_require_write

STAKEHOLDER_EDITABLE = {"role", "attitude", "personality", "working_style"}
COMPETITOR_EDITABLE = {"name", "website", "strengths", "weaknesses", "is_active"}
DEAL_COMPETITOR_EDITABLE = {"strengths", "weaknesses", "counter_strategy", "status"}


def _require_active(user: Any) -> None:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise AccessDenied("Sign in to change this.")


def _require_lead(user: Any) -> None:
    _require_active(user)
    if not (user.is_admin or user.is_manager):
        raise AccessDenied("Only a manager or an admin may change the shared competitor list.")


@transaction.atomic
def stakeholder_add(
    deal: Deal,
    *,
    contact: Contact,
    role: str,
    acting_user: Any,
    attitude: str = Attitude.NEUTRAL,
    personality: str = "",
    working_style: str = "",
) -> DealStakeholder:
    """Add a person of the customer to the deal, with their role and attitude."""
    record_require_write(acting_user, deal)
    if not contacts_visible_to(acting_user).filter(pk=contact.pk).exists():
        raise ValidationError({"contact": "You cannot add a contact you may not see."})
    if DealStakeholder.objects.filter(deal=deal, contact=contact).exists():
        raise ValidationError({"contact": f"{contact} is already a stakeholder of this deal."})
    stakeholder = DealStakeholder(
        deal=deal,
        contact=contact,
        role=role,
        attitude=attitude,
        personality=personality,
        working_style=working_style,
        added_by=acting_user,
    )
    stakeholder.full_clean()
    stakeholder.save()
    return stakeholder


def decision_maker_from_bant(deal: Deal) -> dict[str, Any] | None:
    """The person BANT names as the one who decides, when no stakeholder has that role yet:
    `{"name", "contact"}` (contact None when nobody of that name is on file), else None.

    "The person we talk to decides: yes" names the deal's primary contact; "no, it is <name>"
    names that person, found among the account's contacts by name when on file.
    """
    qualification = deal.qualification
    if qualification is None:
        return None
    if DealStakeholder.objects.filter(deal=deal, role=StakeholderRole.DECISION_MAKER).exists():
        return None
    if qualification.is_decision_maker:
        contact = deal.primary_contact
        return {"name": str(contact), "contact": contact} if contact is not None else None
    name = " ".join(qualification.decision_maker_name.split())
    if qualification.is_decision_maker is False and name:
        first, _, last = name.rpartition(" ")
        contacts = Contact.objects.filter(name_key=person_name_key(first, last or name))
        contact = (
            contacts.filter(account_id=deal.account_id).order_by("pk").first()
            if deal.account_id
            else None
        )
        return {"name": str(contact) if contact else name, "contact": contact}
    return None


@transaction.atomic
def decision_maker_add_from_bant(deal: Deal, *, acting_user: Any) -> DealStakeholder:
    """Add the person BANT names (`decision_maker_from_bant`) as the deal's decision maker,
    creating them as a contact at the deal's account when they are not on file yet."""
    record_require_write(acting_user, deal)
    offer = decision_maker_from_bant(deal)
    if offer is None:
        raise ValidationError(
            {"contact": "BANT names no decision maker to add, or the deal already has one."}
        )
    contact = offer["contact"]
    if contact is None:
        first_name, _, last_name = offer["name"].rpartition(" ")
        contact = contact_create(
            acting_user=acting_user,
            first_name=first_name,
            last_name=last_name or offer["name"],
            account=deal.account,
        )
    elif not contacts_visible_to(acting_user).filter(pk=contact.pk).exists():
        raise ValidationError({"contact": f"You may not see {contact}: ask its owner to add them."})
    existing = DealStakeholder.objects.filter(deal=deal, contact=contact).first()
    if existing is not None:
        return stakeholder_update(
            existing, acting_user=acting_user, role=StakeholderRole.DECISION_MAKER
        )
    return stakeholder_add(
        deal, contact=contact, role=StakeholderRole.DECISION_MAKER, acting_user=acting_user
    )


@transaction.atomic
def stakeholder_update(
    stakeholder: DealStakeholder, *, acting_user: Any, **changes: Any
) -> DealStakeholder:
    record_require_write(acting_user, stakeholder.deal)
    changed = fields_assign(stakeholder, changes, allowed=STAKEHOLDER_EDITABLE)
    if changed:
        stakeholder.full_clean()
        stakeholder.save()
    return stakeholder


@transaction.atomic
def stakeholder_remove(stakeholder: DealStakeholder, *, acting_user: Any) -> None:
    record_require_write(acting_user, stakeholder.deal)
    stakeholder.delete()


@transaction.atomic
def competitor_create(
    *,
    name: str,
    acting_user: Any,
    website: str = "",
    strengths: str = "",
    weaknesses: str = "",
) -> Competitor:
    """Add a competitor to the shared list (any active user: reps meet them first)."""
    _require_active(acting_user)
    name = name.strip()
    if Competitor.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"{name!r} is already on the competitor list."})
    competitor = Competitor(name=name, website=website, strengths=strengths, weaknesses=weaknesses)
    competitor.full_clean()
    competitor.save()
    return competitor


@transaction.atomic
def competitor_update(competitor: Competitor, *, acting_user: Any, **changes: Any) -> Competitor:
    _require_lead(acting_user)
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        taken = Competitor.objects.filter(name__iexact=changes["name"]).exclude(pk=competitor.pk)
        if taken.exists():
            raise ValidationError({"name": f"{changes['name']!r} is already on the list."})
    changed = fields_assign(competitor, changes, allowed=COMPETITOR_EDITABLE)
    if changed:
        competitor.full_clean()
        competitor.save()
    return competitor


@transaction.atomic
def deal_competitor_add(
    deal: Deal,
    *,
    competitor: Competitor,
    acting_user: Any,
    strengths: str = "",
    weaknesses: str = "",
    counter_strategy: str = "",
    status: str = CompetitorStatus.ACTIVE,
) -> DealCompetitor:
    record_require_write(acting_user, deal)
    if DealCompetitor.objects.filter(deal=deal, competitor=competitor).exists():
        raise ValidationError({"competitor": f"{competitor} is already on this deal."})
    entry = DealCompetitor(
        deal=deal,
        competitor=competitor,
        strengths=strengths,
        weaknesses=weaknesses,
        counter_strategy=counter_strategy,
        status=status,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def deal_competitor_update(
    entry: DealCompetitor, *, acting_user: Any, **changes: Any
) -> DealCompetitor:
    """Strengths, weaknesses, counter strategy and status (active, eliminated, won, lost to)."""
    record_require_write(acting_user, entry.deal)
    changed = fields_assign(entry, changes, allowed=DEAL_COMPETITOR_EDITABLE)
    if changed:
        entry.full_clean()
        entry.save()
    return entry


@transaction.atomic
def deal_competitor_remove(entry: DealCompetitor, *, acting_user: Any) -> None:
    record_require_write(acting_user, entry.deal)
    entry.delete()
