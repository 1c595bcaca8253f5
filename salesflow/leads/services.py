"""Leads: capture, edits, BANT qualification and disqualification.

Deduplication and merging live in `dedup`, scores in `scoring`, routing in `assignment` and
conversion into account, contact and deal in `conversion`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.core.normalize import company_key, normalize_contact_fields, person_name_key
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customfields.services import custom_assign, custom_required_waived
from salesflow.leads.assignment import lead_route_if_due
from salesflow.leads.models import (
    SOURCE_CHANNEL,
    AssignmentRule,
    Campaign,
    DisqualificationReason,
    FormSubmission,
    Lead,
    LeadCaptureForm,
    LeadScoringSettings,
    LeadStatus,
    ProfileCriterion,
    Qualification,
    ScoringRule,
    SubmissionOutcome,
)
from salesflow.leads.scoring import lead_rescore
from salesflow.users.policy import require_admin
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

LEAD_FIELDS = {
    "first_name", "last_name", "title", "email", "phone", "company", "industry", "size_band",
    "region", "website", "channel", "source", "source_detail", "campaign", "status", "notes",
    "external_id", "owner", "team", "visibility",
}  # fmt: skip
# What a visitor may fill in on a public capture form; other keys are ignored.
CAPTURE_FIELDS = (
    "first_name", "last_name", "title", "email", "phone", "company", "industry", "size_band",
    "region", "website", "notes", "source_detail",
)  # fmt: skip
# Hidden from people by the page's CSS; bots fill every field they see.
HONEYPOT_FIELD = "website_url"
CAPTURE_WINDOW = dt.timedelta(minutes=10)
QUALIFICATION_FIELDS = {
    "budget_amount", "budget_currency", "is_budget_confirmed", "is_decision_maker",
    "decision_maker_name", "need", "pain_level", "timeline_on",
}  # fmt: skip
# Changes of these lead fields can change the score.
SCORED_FIELDS = {"title", "industry", "size_band", "region", "custom"}


class CaptureRefused(DomainError):
    """A capture form refused a submission; `reason` is a SubmissionOutcome value."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, missing=[{"code": reason, "message": message}])
        self.reason = reason


def _lead_insert(data: dict[str, Any]) -> Lead:
    """Validate and save a new lead from normalised data; derive its keys and score."""
    if not data.get("channel") and data.get("source") in SOURCE_CHANNEL:
        data["channel"] = SOURCE_CHANNEL[data["source"]]
    lead = Lead()
    custom_assign(lead, data, kind="lead")
    fields_assign(lead, data, allowed=LEAD_FIELDS | {"capture_form", "assigned_at"})
    lead.company_key = company_key(lead.company)
    lead.name_key = person_name_key(lead.first_name, lead.last_name)
    lead.full_clean()
    lead_identity_check(lead)
    if lead.owner_id is not None and lead.assigned_at is None:
        lead.assigned_at = timezone.now()
    lead.save()
    lead_rescore(lead)
    return lead


def lead_identity_check(lead: Lead) -> None:
    """A new lead has a name, an email, a phone number or a company: something to reach it by."""
    if not (lead.full_name or lead.email or lead.phone or lead.company):
        raise ValidationError(
            {"last_name": "Give at least a name, an email, a phone number or a company."}
        )


@transaction.atomic
def lead_create(*, acting_user: Any, **data: Any) -> Lead:
    data = normalize_contact_fields(data)
    data = ownership_defaults(acting_user=acting_user, data=data)
    return _lead_insert(data)


@transaction.atomic
def lead_update(
    lead: Lead, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Lead:
    record_require_write(acting_user, lead)
    status = data.get("status")
    if status == LeadStatus.CONVERTED and lead.status != LeadStatus.CONVERTED:
        raise ValidationError({"status": "A lead becomes converted only by converting it."})
    if status in (LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED) and status != lead.status:
        raise ValidationError(
            {"status": "Qualify or disqualify a lead with its BANT answers (lead_qualify)."}
        )
    settled = (LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED)
    if status and status != lead.status and lead.status in settled:
        state = lead.get_status_display().lower()
        raise ValidationError(
            {"status": f"The lead is {state}: reopen or requalify it on its page, not by status."}
        )
    owner_change_check(acting_user=acting_user, record=lead, data=data)
    data = normalize_contact_fields(data)
    changed = custom_assign(lead, data, kind="lead")
    changed += fields_assign(lead, data, allowed=LEAD_FIELDS)
    if "company" in changed:
        lead.company_key = company_key(lead.company)
        changed.append("company_key")
    if {"first_name", "last_name"} & set(changed):
        lead.name_key = person_name_key(lead.first_name, lead.last_name)
        changed.append("name_key")
    if "owner" in changed:
        lead.assigned_at = timezone.now() if lead.owner_id else None
        changed.append("assigned_at")
    lead = instance_save_versioned(lead, changed=changed, expected_version=expected_version)
    if SCORED_FIELDS & set(changed):
        lead_rescore(lead)
    return lead


@transaction.atomic
def lead_delete(lead: Lead, *, acting_user: Any) -> None:
    record_require_write(acting_user, lead)
    lead.delete()


# Capture from the public web form --------------------------------------------------------------


def _capture_refusal(
    form: LeadCaptureForm, *, data: dict[str, Any], ip: str | None, at: dt.datetime
) -> CaptureRefused | None:
    if not form.is_active:
        return CaptureRefused("This form is closed.", reason=SubmissionOutcome.CLOSED)
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return CaptureRefused("The submission was refused.", reason=SubmissionOutcome.SPAM)
    recent = FormSubmission.objects.filter(
        form=form, ip_address=ip, submitted_at__gt=at - CAPTURE_WINDOW
    ).count()
    if recent >= form.max_submissions_per_ip:
        return CaptureRefused(
            "Too many submissions from your address; try again in a few minutes.",
            reason=SubmissionOutcome.RATE_LIMITED,
        )
    return None


def lead_capture_from_form(
    form: LeadCaptureForm, *, data: dict[str, Any], ip: str | None, at: dt.datetime | None = None
) -> Lead:
    """Create a lead from a public web-form submission; the endpoint behind the form calls it.

    Refuses (CaptureRefused, a DomainError, with no lead) an inactive form, a filled honeypot
    field and an address over the form's limit per 10 minutes; raises ValidationError naming
    the field for bad input. Every attempt is recorded as a FormSubmission row, also refused
    ones, so the limit holds across processes: call this outside any transaction of your own,
    or a refusal rolls its row back with it.
    """
    at = at or timezone.now()
    lead = None
    error: ValidationError | None = None
    with transaction.atomic():
        # The lock serialises submissions to one form, so two processes cannot both pass the
        # limit with the same count.
        form = LeadCaptureForm.objects.select_for_update().get(pk=form.pk)
        refusal = _capture_refusal(form, data=data, ip=ip, at=at)
        outcome = refusal.reason if refusal else SubmissionOutcome.ACCEPTED
        if refusal is None:
            try:
                with transaction.atomic():
                    lead = _capture_lead(form, data)
            except ValidationError as exc:
                error, outcome = exc, SubmissionOutcome.INVALID
        FormSubmission.objects.create(
            form=form, ip_address=ip, submitted_at=at, outcome=outcome, lead=lead
        )
    if refusal is not None:
        raise refusal
    if error is not None:
        raise error
    assert lead is not None
    return lead


def _capture_lead(form: LeadCaptureForm, data: dict[str, Any]) -> Lead:
    values = {
        name: str(data[name]).strip() for name in CAPTURE_FIELDS if data.get(name) not in (None, "")
    }
    values = normalize_contact_fields(values)
    owner = form.default_owner if form.default_owner and form.default_owner.is_active else None
    team = form.default_team or (owner.teams.order_by("pk").first() if owner else None)
    values.update(
        source=form.source,
        channel=form.channel or SOURCE_CHANNEL[form.source],
        campaign=form.campaign,
        capture_form=form,
        owner=owner,
        team=team,
    )
    # The public fills in only the form's fields: required custom fields wait for the rep.
    with custom_required_waived():
        lead = _lead_insert(values)
    return lead_route_if_due(lead)


def form_submissions_prune(*, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Delete submission rows past any rate-limit window; return how many went."""
    deleted, _ = FormSubmission.objects.filter(
        submitted_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


# BANT qualification ----------------------------------------------------------------------------


def _require_open(lead: Lead, action: str) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError(f"This lead is already converted; you cannot {action} it.")


@transaction.atomic
def lead_qualification_record(lead: Lead, *, acting_user: Any, **answers: Any) -> Qualification:
    """Record or change the lead's BANT answers (any of QUALIFICATION_FIELDS).

    The record is shared with the deal converted from the lead, so answers recorded later show
    on the deal too.
    """
    record_require_write(acting_user, lead)
    bant = lead.qualification or Qualification()
    fields_assign(bant, answers, allowed=QUALIFICATION_FIELDS)
    if bant.is_budget_confirmed and bant.budget_amount is None:
        raise ValidationError({"budget_amount": "Give the budget that was confirmed."})
    bant.recorded_at = timezone.now()
    bant.recorded_by = acting_user
    bant.full_clean()
    bant.save()
    if lead.qualification_id != bant.pk:
        lead.qualification = bant
        instance_save_versioned(lead, changed=["qualification"])
    lead_rescore(lead)
    return bant


def bant_missing(lead: Lead) -> list[dict[str, str]]:
    """The BANT letters the lead still lacks, as DomainError.missing entries."""
    letters = lead.qualification.missing if lead.qualification else Qualification().missing
    messages = {
        "budget": "Record the budget.",
        "authority": "Say whether you talk to the decision maker, or who decides.",
        "need": "Write down the need.",
        "timeline": "Record when they expect to buy.",
    }
    return [{"code": letter, "message": messages[letter]} for letter in letters]


@transaction.atomic
def lead_qualify(lead: Lead, *, acting_user: Any) -> Lead:
    """Mark the lead qualified; refused (DomainError listing the letters) until BANT is complete.

    A hot or qualified lead nobody owns is then routed by the assignment rules.
    """
    record_require_write(acting_user, lead)
    _require_open(lead, "qualify")
    missing = bant_missing(lead)
    if missing:
        letters = ", ".join(item["code"] for item in missing)
        raise DomainError(f"BANT is incomplete: {letters}.", missing=missing)
    lead.status = LeadStatus.QUALIFIED
    lead.qualified_at = timezone.now()
    lead.disqualification_reason = None
    lead.disqualified_at = None
    changed = ["status", "qualified_at", "disqualification_reason", "disqualified_at"]
    lead = instance_save_versioned(lead, changed=changed)
    return lead_route_if_due(lead)


@transaction.atomic
def lead_disqualify(
    lead: Lead, *, reason: DisqualificationReason, acting_user: Any, note: str = ""
) -> Lead:
    """Drop the lead for one of the admin's reasons; a note is added to the lead's notes."""
    record_require_write(acting_user, lead)
    _require_open(lead, "disqualify")
    if reason is None or not reason.is_active:
        raise ValidationError({"reason": "Choose one of the current disqualification reasons."})
    lead.status = LeadStatus.DISQUALIFIED
    lead.disqualification_reason = reason
    lead.disqualified_at = timezone.now()
    changed = ["status", "disqualification_reason", "disqualified_at"]
    if note.strip():
        lead.notes = f"{lead.notes}\n\nDisqualified ({reason.name}): {note.strip()}".strip()
        changed.append("notes")
    return instance_save_versioned(lead, changed=changed)


# Lead-management settings ----------------------------------------------------------------------

# What the settings pages may set on each kind of row.
SETTING_FIELDS: dict[type, set[str]] = {
    ProfileCriterion: {"dimension", "value", "weight", "is_active"},
    ScoringRule: {
        "name", "condition", "threshold", "points", "half_life_days", "position", "is_active",
    },
    LeadScoringSettings: {"hot_min", "warm_min"},
    AssignmentRule: {
        "name", "priority", "region", "industry", "size_band", "team", "owner", "is_active",
    },
    LeadCaptureForm: {
        "name", "campaign", "source", "channel", "default_owner", "default_team", "is_active",
        "success_message", "max_submissions_per_ip",
    },
    DisqualificationReason: {"name", "position", "is_active"},
    Campaign: {
        "name", "channel", "source", "cost", "currency", "starts_on", "ends_on", "is_active",
    },
}  # fmt: skip


@transaction.atomic
def lead_setting_save(instance: Any, *, acting_user: Any, **changes: Any) -> Any:
    """Create (an unsaved `instance`) or change one row of the lead-management settings.

    Admins only, except campaigns, which managers keep too. Scores are not recomputed here:
    changed rules or thresholds apply to a lead when it is next rescored (`leads_rescore_all`).
    """
    if not isinstance(instance, Campaign):
        require_admin(acting_user)
    elif not (getattr(acting_user, "is_admin", False) or getattr(acting_user, "is_manager", False)):
        raise AccessDenied("Only a manager or an admin may change campaigns.")
    changed = fields_assign(instance, changes, allowed=SETTING_FIELDS[type(instance)])
    if changed or instance.pk is None:
        instance.full_clean()
        instance.save()
    return instance


@transaction.atomic
def lead_setting_delete(instance: Any, *, acting_user: Any) -> None:
    """Delete a profile criterion, scoring rule, assignment rule or capture form (admins).

    Added for the API. A capture form that leads came through is refused (DomainError): the
    leads keep pointing at it, so deactivate it instead.
    """
    require_admin(acting_user)
    if isinstance(instance, LeadCaptureForm) and instance.leads.exists():
        raise DomainError("Leads came in through this form; deactivate it instead.")
    instance.delete()
