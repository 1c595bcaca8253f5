"""Converting a qualified lead into an account, a contact and a deal (step 2 to step 3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.core.selectors import site_settings
from salesflow.core.services import instance_save_versioned
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.customers.services import account_create, contact_create
from salesflow.customfields.services import custom_required_waived
from salesflow.leads.models import Lead, LeadStatus
from salesflow.leads.selectors import accounts_matching_company
from salesflow.leads.services import bant_missing
from salesflow.pipeline.models import Deal, Pipeline
from salesflow.pipeline.next_steps import deals_next_step_refresh
from salesflow.pipeline.services import deal_create
from salesflow.users.services import record_require_write


class Conversion(NamedTuple):
    account: Account
    contact: Contact | None
    deal: Deal


def _contact_existing(lead: Lead, user: Any) -> Contact | None:
    """A contact the user may read with the lead's email or phone, email first."""
    if not (lead.email or lead.phone):
        return None
    match = Q(pk__in=[])
    if lead.email:
        match |= Q(email=lead.email)
    if lead.phone:
        match |= Q(phone=lead.phone)
    contacts = list(contacts_visible_to(user).filter(match).select_related("account")[:20])
    contacts.sort(key=lambda c: (not (lead.email and c.email == lead.email), c.pk))
    return contacts[0] if contacts else None


def _account_for(lead: Lead, contact: Contact | None, user: Any, ownership: dict) -> Account:
    matches = accounts_matching_company(user, lead.company) if lead.company else []
    if contact is not None and contact.account_id is not None:
        for account in matches:
            if account.pk == contact.account_id:
                return account  # the contact's own account, when it is the same company
        if not lead.company and accounts_visible_to(user).filter(pk=contact.account_id).exists():
            return contact.account
    if matches:
        return matches[0]
    # No readable account matched the company: a new one, even when named after a person who
    # shares a name with an account.
    return account_create(
        acting_user=user,
        allow_same_name=True,
        name=lead.company or lead.full_name or lead.email or f"Lead #{lead.pk}",
        industry=lead.industry,
        size_band=lead.size_band,
        region=lead.region,
        website=lead.website,
        **ownership,
    )


def _contact_new(lead: Lead, account: Account, user: Any, ownership: dict) -> Contact | None:
    last_name = lead.last_name or lead.first_name or lead.email.split("@")[0]
    if not (last_name or lead.phone):
        return None  # a company-only lead: there is nobody to create
    return contact_create(
        acting_user=user,
        account=account,
        first_name=lead.first_name if lead.last_name else "",
        last_name=last_name or lead.phone,
        position=lead.title,
        email=lead.email,
        phone=lead.phone,
        **ownership,
    )


@transaction.atomic
def lead_convert(
    lead: Lead,
    *,
    acting_user: Any,
    pipeline: Pipeline | None = None,
    deal_name: str | None = None,
    amount: Decimal | None = None,
) -> Conversion:
    """Turn a qualified lead into an account, a contact and a deal in the pipeline's first stage.

    An account with the same company key and a contact with the same email or phone that the
    user may read are reused instead of duplicated. The deal shares the lead's BANT record and
    points back at the lead; the lead's activities are attached to the deal, contact and account
    and stay linked to the lead. Refused (DomainError) unless the lead is qualified; converting
    twice is refused too, also when two people convert at the same moment.
    """
    record_require_write(acting_user, lead)
    current = Lead.objects.select_for_update().filter(pk=lead.pk).values_list("status", flat=True)
    status = current.first()
    if status == LeadStatus.CONVERTED:
        raise DomainError("This lead is already converted.")
    if status != LeadStatus.QUALIFIED:
        raise DomainError(
            "Qualify the lead before converting it.",
            missing=[
                {"code": "status", "message": "The lead is not qualified yet."},
                *bant_missing(lead),
            ],
        )
    if pipeline is not None and not pipeline.is_active:
        raise ValidationError({"pipeline": f"Pipeline {pipeline.name!r} is retired."})

    ownership = {
        "owner": lead.owner or acting_user,
        "team": lead.team,
        "visibility": lead.visibility,
    }
    # Required custom fields of the new account, contact and deal are for the rep to fill in
    # afterwards: converting must not fail on a form nobody was shown.
    with custom_required_waived():
        return _convert(lead, acting_user=acting_user, pipeline=pipeline, deal_name=deal_name,
                        amount=amount, ownership=ownership)  # fmt: skip


def _convert(
    lead: Lead,
    *,
    acting_user: Any,
    pipeline: Pipeline | None,
    deal_name: str | None,
    amount: Decimal | None,
    ownership: dict[str, Any],
) -> Conversion:
    contact = _contact_existing(lead, acting_user)
    account = _account_for(lead, contact, acting_user, dict(ownership))
    if contact is None:
        contact = _contact_new(lead, account, acting_user, dict(ownership))
    bant = lead.qualification
    deal = deal_create(
        acting_user=acting_user,
        name=deal_name or " - ".join(part for part in (account.name, lead.full_name) if part),
        account=account,
        primary_contact=contact if contact and contact.account_id in (None, account.pk) else None,
        lead=lead,
        pipeline=pipeline,
        amount=amount if amount is not None else (bant.budget_amount if bant else None),
        currency=bant.budget_currency if bant else site_settings().default_currency,
        expected_close_on=bant.timeline_on if bant else None,
        qualification=bant,
        **ownership,
    )

    activities = lead.activities.all()
    activities.filter(deal__isnull=True).update(deal=deal)
    deals_next_step_refresh([deal.pk])
    activities.filter(account__isnull=True).update(account=account)
    if contact is not None:
        activities.filter(contact__isnull=True).update(contact=contact)

    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_account = account
    lead.converted_contact = contact
    instance_save_versioned(
        lead, changed=["status", "converted_at", "converted_account", "converted_contact"]
    )
    return Conversion(account, contact, deal)
