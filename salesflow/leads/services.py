from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.normalize import normalize_contact_fields
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.leads.models import SOURCE_CHANNEL, Lead, LeadStatus
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

LEAD_FIELDS = {
    "first_name", "last_name", "title", "email", "phone", "company", "industry", "size_band",
    "region", "website", "channel", "source", "campaign", "status", "notes", "external_id",
    "owner", "team", "visibility",
}  # fmt: skip


@transaction.atomic
def lead_create(*, acting_user: Any, **data: Any) -> Lead:
    data = normalize_contact_fields(data)
    if not data.get("channel") and data.get("source") in SOURCE_CHANNEL:
        data["channel"] = SOURCE_CHANNEL[data["source"]]
    data = ownership_defaults(acting_user=acting_user, data=data)
    lead = Lead()
    fields_assign(lead, data, allowed=LEAD_FIELDS)
    lead.full_clean()
    if not (lead.full_name or lead.email or lead.phone or lead.company):
        raise ValidationError(
            {"last_name": "Give at least a name, an email, a phone number or a company."}
        )
    lead.save()
    return lead


@transaction.atomic
def lead_update(
    lead: Lead, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Lead:
    record_require_write(acting_user, lead)
    if data.get("status") == LeadStatus.CONVERTED and lead.status != LeadStatus.CONVERTED:
        raise ValidationError({"status": "A lead becomes converted only by converting it."})
    owner_change_check(acting_user=acting_user, record=lead, data=data)
    changed = fields_assign(lead, normalize_contact_fields(data), allowed=LEAD_FIELDS)
    return instance_save_versioned(lead, changed=changed, expected_version=expected_version)


@transaction.atomic
def lead_delete(lead: Lead, *, acting_user: Any) -> None:
    record_require_write(acting_user, lead)
    lead.delete()
