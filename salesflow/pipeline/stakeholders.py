"""What the team knows around a deal: the customer's people (stakeholders) and the competition.

Writes on a deal need write access to it; the shared competitor list is open to every active
user to extend, and to managers and admins to edit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.errors import AccessDenied
from salesflow.core.services import fields_assign
from salesflow.customers.models import Contact
from salesflow.customers.selectors import contacts_visible_to
from salesflow.pipeline.models import (
    Attitude,
    Competitor,
    CompetitorStatus,
    Deal,
    DealCompetitor,
    DealStakeholder,
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
