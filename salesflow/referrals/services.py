"""Writes of referrals: recording and removing them, and the tasks a won deal brings.

Recording a referral needs write access to the referred record (lead, account or deal) and
read access to the referrer; removing one needs write access to the referred record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.activities.services import activity_create
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from salesflow.referrals.models import Referral, ReferralTask, ReferralTaskKind
from salesflow.referrals.selectors import referrals_crediting
from salesflow.users import policy
from salesflow.users.services import record_require_write

# How long after a won deal the rep asks the customer for a referral; a site may set
# SALESFLOW_REFERRAL_ASK_AFTER_DAYS instead.
REFERRAL_ASK_AFTER_DAYS = 7
THANKS_DUE_IN = dt.timedelta(days=1)


def referral_ask_after() -> dt.timedelta:
    days = getattr(settings, "SALESFLOW_REFERRAL_ASK_AFTER_DAYS", REFERRAL_ASK_AFTER_DAYS)
    return dt.timedelta(days=int(days))


@transaction.atomic
def referral_record(
    *,
    acting_user: Any,
    referrer_contact: Contact | None = None,
    referrer_account: Account | None = None,
    lead: Lead | None = None,
    account: Account | None = None,
    deal: Deal | None = None,
    note: str = "",
    referred_on: dt.date | None = None,
) -> Referral:
    """Record that a contact (and/or an account) referred a lead, an account or a deal."""
    targets = [record for record in (lead, account, deal) if record is not None]
    if len(targets) != 1:
        raise ValidationError(
            {"target": "Name exactly one lead, account or deal that was referred."}
        )
    target = targets[0]
    record_require_write(acting_user, target)
    errors: dict[str, str] = {}
    if referrer_contact is None and referrer_account is None:
        errors["referrer_contact"] = "Name who referred it: a contact or an account."
    if referrer_contact is not None and not (
        contacts_visible_to(acting_user).filter(pk=referrer_contact.pk).exists()
    ):
        errors["referrer_contact"] = "You cannot name a contact you may not see."
    if referrer_account is not None and not (
        accounts_visible_to(acting_user).filter(pk=referrer_account.pk).exists()
    ):
        errors["referrer_account"] = "You cannot name an account you may not see."
    if account is not None and referrer_account is not None and account.pk == referrer_account.pk:
        errors["referrer_account"] = "An account cannot refer itself."
    referred_on = referred_on or timezone.localdate()
    if referred_on > timezone.localdate():
        errors["referred_on"] = "The day of the referral cannot be in the future."
    if errors:
        raise ValidationError(errors)
    _duplicate_check(
        referrer_contact=referrer_contact, referrer_account=referrer_account, target=target
    )
    referral = Referral(
        referrer_contact=referrer_contact,
        referrer_account=referrer_account,
        lead=lead,
        account=account,
        deal=deal,
        note=note,
        referred_on=referred_on,
        recorded_by=acting_user,
    )
    referral.full_clean()
    referral.save()
    return referral


def _duplicate_check(
    *, referrer_contact: Contact | None, referrer_account: Account | None, target: Any
) -> None:
    """The same referrer is credited once for a record: not twice for it, and not for a deal
    they already referred through its lead. A contact is the referrer whether or not an account
    is named with them (as on the leaderboard); an account alone only without a contact."""
    if referrer_contact is not None:
        same = Referral.objects.filter(referrer_contact=referrer_contact)
    else:
        same = Referral.objects.filter(
            referrer_contact__isnull=True, referrer_account=referrer_account
        )
    field = {Lead: "lead", Account: "account", Deal: "deal"}[type(target)]
    if same.filter(**{field: target}).exists():
        raise ValidationError({"target": f"This referral of the {field} is recorded already."})
    if isinstance(target, Deal) and target.lead_id and same.filter(lead_id=target.lead_id).exists():
        raise ValidationError(
            {"target": "They referred the lead this deal came from; the deal counts already."}
        )


@transaction.atomic
def referral_delete(referral: Referral, *, acting_user: Any) -> None:
    record_require_write(acting_user, referral.target)
    referral.delete()


# ---------------------------------------------------------------- tasks after a won deal


def _active(user: Any) -> bool:
    return user is not None and user.is_active


def referral_tasks_on_win(deal: Deal, *, acting_user: Any) -> None:
    """The won-deal hook (`salesflow.pipeline.closing`): ask the customer for a referral, and
    thank whoever referred this deal. Each task is made once per deal, however often the deal
    is reopened and won again."""
    referral_ask_create(deal, acting_user=acting_user)
    for referral in referrals_crediting(deal).select_related(
        "referrer_contact__owner", "referrer_account__owner", "recorded_by"
    ):
        referral_thanks_create(referral, deal=deal, acting_user=acting_user)


def referral_ask_create(deal: Deal, *, acting_user: Any) -> Any:
    """An open task for the deal's owner: "Ask <contact> for a referral", due a few days after
    the win. None when the deal had its ask already."""
    if ReferralTask.objects.filter(kind=ReferralTaskKind.ASK, deal=deal).exists():
        return None
    owner = deal.owner if _active(deal.owner) else acting_user
    contact = deal.primary_contact
    who = (
        contact.full_name if contact else (str(deal.account) if deal.account_id else "the customer")
    )
    links: dict[str, Any] = {"deal": deal}
    if contact is not None and policy.can_read(owner, contact):
        links["contact"] = contact
    task = activity_create(
        acting_user=owner,
        type="task",
        subject=f"Ask {who} for a referral"[:200],
        body=(
            f"{deal.name} was won. A happy customer is the best source of new business: ask "
            "who else could use what we delivered, and record the referral."
        ),
        due_at=timezone.now() + referral_ask_after(),
        owner=owner,
        team=deal.team if deal.owner_id == owner.pk else None,
        visibility=deal.visibility,
        **links,
    )
    ReferralTask.objects.create(kind=ReferralTaskKind.ASK, deal=deal, activity=task)
    return task


def referral_thanks_create(referral: Referral, *, deal: Deal, acting_user: Any) -> Any:
    """An open task "Thank <referrer> for referring <deal>" for the owner of the referrer
    contact (or account), else whoever recorded the referral, else the one who won the deal.
    None when this referrer was thanked for this deal already."""
    done = ReferralTask.objects.filter(kind=ReferralTaskKind.THANK, deal=deal, referral=referral)
    if done.exists():
        return None
    referrer = referral.referrer_contact or referral.referrer_account
    owner = next(
        (
            user
            for user in (getattr(referrer, "owner", None), referral.recorded_by)
            if _active(user)
        ),
        acting_user,
    )
    links: dict[str, Any] = {}
    if referral.referrer_contact and policy.can_read(owner, referral.referrer_contact):
        links["contact"] = referral.referrer_contact
    elif referral.referrer_account and policy.can_read(owner, referral.referrer_account):
        links["account"] = referral.referrer_account
    elif policy.can_read(owner, deal):
        links["deal"] = deal
    else:  # nobody above may see either: the task goes to the one who won the deal
        owner, links = acting_user, {"deal": deal}
    task = activity_create(
        acting_user=owner,
        type="task",
        subject=f"Thank {referral.referrer_name} for referring {deal.name}"[:200],
        body=f"{deal.name} was won. {referral.referrer_name} referred it: say thank you.",
        due_at=timezone.now() + THANKS_DUE_IN,
        owner=owner,
        **links,
    )
    ReferralTask.objects.create(
        kind=ReferralTaskKind.THANK, deal=deal, referral=referral, activity=task
    )
    return task
