from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.activities.hooks import activity_changed
from salesflow.activities.models import (
    NEXT_STEP_TYPES,
    Activity,
    ActivityType,
    InvitationOutcome,
    InvitationReason,
)
from salesflow.activities.next_steps import deals_next_step_refresh
from salesflow.core.errors import ConflictError
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customfields.services import custom_assign
from salesflow.leads.scoring import lead_activity_recorded, lead_rescore
from salesflow.users import policy
from salesflow.users.policy import require_admin
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

ACTIVITY_FIELDS = {
    "type", "subject", "body", "due_at", "done_at", "outcome", "lead", "deal", "contact",
    "account", "owner", "team", "visibility", "follows", "invitation_reason",
    "invitation_outcome",
}  # fmt: skip
LINKS = ("lead", "deal", "contact", "account")


def _links_check(acting_user: Any, data: dict[str, Any]) -> None:
    """An activity hangs on records the acting user may read; a deal brings its account along."""
    errors = {}
    for name in LINKS:
        record = data.get(name)
        if record is not None and not policy.can_read(acting_user, record):
            errors[name] = "You cannot link an activity to this record."
    if errors:
        raise ValidationError(errors)
    deal = data.get("deal")
    if deal is not None and data.get("account") is None:
        data["account"] = deal.account


def _invitation_fields_follow_type(data: dict[str, Any]) -> None:
    """An activity changed into another type than an invitation drops its reason and answer,
    unless the change sends them too (which `_invitation_check` then refuses)."""
    if "type" in data and data["type"] != ActivityType.INVITATION:
        data.setdefault("invitation_reason", None)
        data.setdefault("invitation_outcome", "")


def _invitation_check(activity: Activity, *, reason_chosen: bool) -> None:
    """An invitation needs a reason (a current one when it is chosen); the reason and the
    answer belong to invitations only."""
    errors = {}
    if activity.type != ActivityType.INVITATION:
        if activity.invitation_reason_id is not None:
            errors["invitation_reason"] = "Only an invitation has a reason."
        if activity.invitation_outcome:
            errors["invitation_outcome"] = "Only an invitation has an answer."
    elif activity.invitation_reason_id is None:
        errors["invitation_reason"] = "Say why the customer is invited."
    elif reason_chosen and not activity.invitation_reason.is_active:
        errors["invitation_reason"] = "This reason is retired: choose a current one."
    if errors:
        raise ValidationError(errors)


def _changed(
    activity: Activity,
    *,
    acting_user: Any,
    deleted: bool = False,
    previous_deal_id: int | None = None,
) -> None:
    """After every change: the deal's next step (and the deal it left), then the hooks."""
    deals_next_step_refresh([activity.deal_id, previous_deal_id])
    activity_changed(activity, acting_user=acting_user, deleted=deleted)


@transaction.atomic
def activity_create(*, acting_user: Any, **data: Any) -> Activity:
    if not any(data.get(name) for name in LINKS):
        raise ValidationError({"deal": "Link the activity to a lead, deal, contact or account."})
    _links_check(acting_user, data)
    data = ownership_defaults(acting_user=acting_user, data=data)
    if data.get("outcome") and not data.get("done_at"):
        # An outcome says it happened ("What came of it, once done"): a call logged with
        # what came of it is done, so it is not offered as "Done" again.
        now = timezone.now()
        due = data.get("due_at")
        data = {**data, "done_at": due if due and due <= now else now}
    activity = Activity()
    custom_assign(activity, data, kind="activity")
    fields_assign(activity, data, allowed=ACTIVITY_FIELDS)
    _invitation_check(activity, reason_chosen=True)
    activity.full_clean()
    activity.save()
    lead_activity_recorded(activity)
    _changed(activity, acting_user=acting_user)
    return activity


@transaction.atomic
def activity_update(
    activity: Activity, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Activity:
    """Change an activity; a stale `expected_version` is refused with a ConflictError.

    The lead it hangs on is rescored, and the lead it left when the change moves it elsewhere.
    """
    record_require_write(acting_user, activity)
    _links_check(acting_user, data)
    owner_change_check(acting_user=acting_user, record=activity, data=data)
    previous_lead = activity.lead if "lead" in data else None
    previous_deal_id = activity.deal_id
    _invitation_fields_follow_type(data)
    changed = custom_assign(activity, data, kind="activity")
    changed += fields_assign(activity, data, allowed=ACTIVITY_FIELDS)
    _invitation_check(activity, reason_chosen="invitation_reason" in changed)
    instance_save_versioned(activity, changed=changed, expected_version=expected_version)
    if changed:
        if previous_lead is not None and previous_lead.pk != activity.lead_id:
            lead_rescore(previous_lead)
        lead_activity_recorded(activity)
        _changed(activity, acting_user=acting_user, previous_deal_id=previous_deal_id)
    return activity


def _already_done_refuse(activity: Activity) -> None:
    if activity.done_at is not None:
        raise ValidationError({"done_at": "This activity is already done."})


@transaction.atomic
def activity_complete(
    activity: Activity,
    *,
    acting_user: Any,
    outcome: str = "",
    at: dt.datetime | None = None,
    invitation_outcome: str = "",
    no_next_step_reason: str = "",
    expected_version: int | None = None,
) -> Activity:
    """Mark the activity done, with what came of it (and an invitation's answer). People
    complete through `activity_complete_with_next_step`, which also asks for the next step."""
    record_require_write(acting_user, activity)
    _already_done_refuse(activity)
    activity.done_at = at or timezone.now()
    changed = ["done_at"]
    if outcome:
        activity.outcome = outcome
        changed.append("outcome")
    if invitation_outcome:
        if invitation_outcome not in InvitationOutcome.values:
            raise ValidationError({"invitation_outcome": "Choose one of the answers."})
        activity.invitation_outcome = invitation_outcome
        changed.append("invitation_outcome")
        _invitation_check(activity, reason_chosen=False)
    if no_next_step_reason:
        activity.no_next_step_reason = no_next_step_reason[:200]
        changed.append("no_next_step_reason")
    try:
        instance_save_versioned(activity, changed=changed, expected_version=expected_version)
    except ConflictError:
        # The save's version check (under its row lock) saw another write: when that write
        # completed the activity (another tab, say), say so rather than "changed by someone".
        if Activity.objects.filter(pk=activity.pk, done_at__isnull=False).exists():
            raise ValidationError({"done_at": "This activity is already done."}) from None
        raise
    lead_activity_recorded(activity)
    _changed(activity, acting_user=acting_user)
    return activity


@transaction.atomic
def activity_delete(activity: Activity, *, acting_user: Any) -> None:
    """Delete an activity and rescore the lead it was on (its engagement points go with it)."""
    record_require_write(acting_user, activity)
    lead = activity.lead
    pk = activity.pk
    activity.delete()
    activity.pk = pk  # the hooks see which activity went, with its links
    if lead is not None:
        lead_rescore(lead)
    _changed(activity, acting_user=acting_user, deleted=True)


# Completing with the next step ----------------------------------------------------------------

NEXT_STEP_FIELDS = ("type", "subject", "due_at", "body", "invitation_reason", "owner")


@dataclass(frozen=True)
class Completed:
    activity: Activity
    follow_up: Activity | None


def _next_step_errors(error: ValidationError) -> ValidationError:
    """The follow-up's refusal, its fields named `next_<field>` (the complete form's names)."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"next_step": error.messages})
    return ValidationError(
        {f"next_{name}": messages for name, messages in error.message_dict.items()}
    )


@transaction.atomic
def activity_complete_with_next_step(
    activity: Activity,
    *,
    acting_user: Any,
    outcome: str = "",
    invitation_outcome: str = "",
    next_step: dict[str, Any] | None = None,
    no_next_step_reason: str = "",
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Completed:
    """Complete the activity and plan what comes next, in one transaction.

    `next_step` (type, subject, due_at; optionally body, invitation_reason, owner) becomes the
    follow-up activity: on the same deal, lead, contact and account, for the same owner (unless
    another is named) and with the same sharing, marked as following this one. A call, meeting,
    visit or demo needs a next step, or `no_next_step_reason` saying why there is none.
    """
    record_require_write(acting_user, activity)
    if activity.done_at is not None:  # activity_complete re-checks it under a lock
        raise ValidationError({"done_at": "This activity is already done."})
    step = {key: value for key, value in (next_step or {}).items() if value not in (None, "")}
    reason = no_next_step_reason.strip()
    if next_step is not None:
        if reason:
            raise ValidationError(
                {"no_next_step_reason": "Plan a next step or say why there is none, not both."}
            )
        unknown = set(step) - set(NEXT_STEP_FIELDS)
        if unknown:
            raise ValidationError({"next_step": f"Unknown fields: {', '.join(sorted(unknown))}."})
        missing = {
            f"next_{name}": "Required for the next step."
            for name in ("type", "subject", "due_at")
            if name not in step
        }
        if missing:
            raise ValidationError(missing)
    elif not reason and activity.type in NEXT_STEP_TYPES:
        raise ValidationError({"next_step": "Plan the next step, or say why there is none."})
    activity_complete(
        activity,
        acting_user=acting_user,
        outcome=outcome.strip(),
        invitation_outcome=invitation_outcome,
        at=at,
        expected_version=expected_version,
        no_next_step_reason=reason,
    )
    if next_step is None:
        return Completed(activity, None)
    data = {
        **{name: getattr(activity, name) for name in LINKS},
        "owner": activity.owner,
        "team": activity.team,
        "visibility": activity.visibility,
        **step,
        "follows": activity,
    }
    if "owner" in step and step["owner"] != activity.owner:
        data.pop("team")  # the new owner's team, as for any record assigned to them
    try:
        follow_up = activity_create(acting_user=acting_user, **data)
    except ValidationError as error:
        raise _next_step_errors(error) from error
    return Completed(activity, follow_up)


# Invitation reasons (admins) ------------------------------------------------------------------

REASON_FIELDS = {"name", "is_active"}


@transaction.atomic
def invitation_reason_create(
    *, acting_user: Any, name: str, is_active: bool = True
) -> InvitationReason:
    require_admin(acting_user)
    reason = InvitationReason(name=name.strip(), is_active=is_active)
    reason.full_clean()
    reason.save()
    return reason


@transaction.atomic
def invitation_reason_update(
    reason: InvitationReason, *, acting_user: Any, **changes: Any
) -> InvitationReason:
    """Rename it, or `is_active=False` to retire it (invitations sent for it keep it)."""
    require_admin(acting_user)
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    changed = fields_assign(reason, changes, allowed=REASON_FIELDS)
    if changed:
        reason.full_clean()
        reason.save(update_fields=[*changed, "updated_at"])
    return reason
