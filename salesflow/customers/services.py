from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from salesflow.core.normalize import name_key, normalize_contact_fields, person_name_key
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customers.models import Account, Contact, Tier, TierLevel, active_tiers
from salesflow.customers.selectors import accounts_visible_to
from salesflow.customfields.services import custom_assign
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

ACCOUNT_FIELDS = {
    "name", "industry", "size_band", "region", "website", "tier", "tier_by_hand", "notes",
    "annual_revenue", "currency", "employee_count", "founded_year", "parent",
    "owner", "team", "visibility",
}  # fmt: skip
CONTACT_FIELDS = {
    "account", "first_name", "last_name", "position", "email", "phone", "birthday", "family",
    "hobbies", "education", "achievements", "places_visited", "cultural_background", "notes",
    "has_consent", "consent_at", "do_not_contact", "topics", "owner", "team", "visibility",
}  # fmt: skip


# Called as `hook(account, changed=[field names])` after an account is created or changed
# through the services, inside their transaction: salesflow.followup sets the tier by its rules
# when the facts they read changed, or the tier was handed back to them.
account_changed_hooks: list[Callable[..., None]] = []


def account_changed_hook_register(hook: Callable[..., None]) -> None:
    if hook not in account_changed_hooks:
        account_changed_hooks.append(hook)


def _account_changed(account: Account, changed: list[str]) -> None:
    for hook in list(account_changed_hooks):
        hook(account, changed=changed)


def tier_default() -> str:
    """The tier of a new account nobody chose one for: the lowest active tier."""
    code = (
        TierLevel.objects.filter(is_active=True)
        .order_by("-position", "-code")
        .values_list("code", flat=True)
        .first()
    )
    return code or Tier.C


def account_name_check(account: Account, user: Any) -> None:
    """Refuse a name another account the user can read already has (capitals and spacing
    ignored): the same company twice splits its deals, contacts and history. An account the user
    cannot read is not named, nor does it block (that would reveal it)."""
    if not account.name_key:
        return
    others = accounts_visible_to(user).filter(name_key=account.name_key)
    if account.pk is not None:
        others = others.exclude(pk=account.pk)
    existing = others.order_by("pk").first()
    if existing is not None:
        raise ValidationError({"name": f"The account “{existing.name}” already exists."})


@transaction.atomic
def account_create(*, acting_user: Any, allow_same_name: bool = False, **data: Any) -> Account:
    """A new account; `allow_same_name` lets a name an account already has through (a lead
    converted without a company is named after the person, who may share a name)."""
    data = ownership_defaults(acting_user=acting_user, data=data)
    if data.get("tier"):
        # A tier a person chose is kept from the rules, unless they say otherwise.
        data.setdefault("tier_by_hand", True)
    else:
        data["tier"] = tier_default()
    account = Account()
    custom_assign(account, data, kind="account")
    fields_assign(account, data, allowed=ACCOUNT_FIELDS)
    account.name_key = name_key(account.name)
    if not allow_same_name:
        account_name_check(account, acting_user)
    account_company_check(account)
    account_tier_check(account)
    account.full_clean()
    account.save()
    account_contact_due_refresh(account)
    _account_changed(account, list(data))
    return account


@transaction.atomic
def account_update(
    account: Account, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Account:
    record_require_write(acting_user, account)
    owner_change_check(acting_user=acting_user, record=account, data=data)
    changed = custom_assign(account, data, kind="account")
    changed += fields_assign(account, data, allowed=ACCOUNT_FIELDS)
    if "name" in changed:
        account.name_key = name_key(account.name)
        changed.append("name_key")
        account_name_check(account, acting_user)
    if "tier" in changed:
        account_tier_check(account)
        # A tier a person chose is theirs: the rules leave it alone, unless the same change
        # hands it back to them (tier_by_hand=False).
        if "tier_by_hand" not in data and not account.tier_by_hand:
            account.tier_by_hand = True
            changed.append("tier_by_hand")
    account_company_check(account)
    instance_save_versioned(account, changed=changed, expected_version=expected_version)
    if "tier" in changed:
        account_contact_due_refresh(account)
    if changed:
        _account_changed(account, changed)
    return account


def account_tier_check(account: Account) -> None:
    """An account's tier is one of the active tiers (a retired tier it has already is kept)."""
    if account.tier in active_tiers.values:
        return
    if account.pk is not None:
        kept = Account.objects.filter(pk=account.pk).values_list("tier", flat=True).first()
        if kept == account.tier:
            return
    offered = ", ".join(active_tiers.values) or "none (add a tier in the settings first)"
    raise ValidationError({"tier": f"Choose one of the tiers: {offered}."})


# Contact cadence -------------------------------------------------------------------------------


def tier_cadences() -> dict[str, int]:
    """Days between contacts by tier code, retired tiers included (their accounts keep them)."""
    return dict(TierLevel.objects.values_list("code", "contact_every_days"))


def contact_due_on(
    *, last_contact_at: dt.datetime | None, created_at: dt.datetime | None, every_days: int | None
) -> dt.date | None:
    """The day the next contact is due: the last contact (or, never contacted, the account's
    creation) plus the tier's cadence; None for a tier without one."""
    start = last_contact_at or created_at
    if start is None or not every_days:
        return None
    return timezone.localdate(start) + dt.timedelta(days=every_days)


def account_contact_due_refresh(account: Account) -> None:
    """Recompute one account's next contact due from its tier and last contact."""
    due = contact_due_on(
        last_contact_at=account.last_contact_at,
        created_at=account.created_at,
        every_days=tier_cadences().get(account.tier),
    )
    if due != account.next_contact_due_on:
        account.next_contact_due_on = due
        Account.objects.filter(pk=account.pk).update(next_contact_due_on=due)


BATCH = 500


def accounts_contact_set(last_contacts: Mapping[int, dt.datetime | None]) -> int:
    """Store the last contact of the given accounts (id -> moment, None: never contacted) and
    their next contact due; answer how many accounts changed. Used by salesflow.followup, which
    computes the last contacts from the activities."""
    cadences = tier_cadences()
    changed: list[Account] = []
    ids = list(last_contacts)
    for start in range(0, len(ids), BATCH):
        rows = Account.objects.filter(pk__in=ids[start : start + BATCH]).only(
            "pk", "tier", "created_at", "last_contact_at", "next_contact_due_on"
        )
        for account in rows:
            last = last_contacts[account.pk]
            due = contact_due_on(
                last_contact_at=last,
                created_at=account.created_at,
                every_days=cadences.get(account.tier),
            )
            if (account.last_contact_at, account.next_contact_due_on) != (last, due):
                account.last_contact_at = last
                account.next_contact_due_on = due
                changed.append(account)
    Account.objects.bulk_update(
        changed, ["last_contact_at", "next_contact_due_on"], batch_size=BATCH
    )
    return len(changed)


def accounts_contact_due_refresh(*, tiers: Iterable[str] | None = None) -> int:
    """Recompute the next contact due of every account (of the given tier codes): after a
    tier's cadence changed, or tiers were set in bulk. Answers how many changed."""
    accounts = Account.objects.all()
    if tiers is not None:
        accounts = accounts.filter(tier__in=list(tiers))
    last = dict(accounts.values_list("pk", "last_contact_at"))
    return accounts_contact_set(last)


def accounts_tier_set(accounts: Iterable[int] | QuerySet[Account], *, tier: str) -> int:
    """Give accounts (ids, or a queryset of accounts) a tier in one update (the tier rules do;
    never hand-set accounts), then recompute their next contact due. The version moves, so an
    account form opened before is refused rather than putting the old tier back by hand.
    Answers how many accounts changed tier."""
    ids = accounts if isinstance(accounts, QuerySet) else list(accounts)
    rows = Account.objects.filter(pk__in=ids, tier_by_hand=False).exclude(tier=tier)
    last = dict(rows.values_list("pk", "last_contact_at"))
    if not last:
        return 0  # the common case, without a savepoint
    with transaction.atomic():
        rows.update(tier=tier, version=F("version") + 1, updated_at=timezone.now())
        accounts_contact_set(last)
    return len(last)


# Tiers (admins) --------------------------------------------------------------------------------

TIER_FIELDS = {"code", "name", "position", "contact_every_days", "channel", "is_active"}


def _tier_require_admin(acting_user: Any) -> None:
    from salesflow.users import policy

    policy.require_admin(acting_user)


@transaction.atomic
def tier_create(*, acting_user: Any, **data: Any) -> TierLevel:
    _tier_require_admin(acting_user)
    tier = TierLevel()
    fields_assign(tier, data, allowed=TIER_FIELDS)
    tier.code = (tier.code or "").strip()
    if not tier.position:
        last = TierLevel.objects.aggregate(last=Max("position"))["last"] or 0
        tier.position = last + 1
    _tier_code_check(tier)
    tier.full_clean(validate_constraints=False, validate_unique=False)
    tier.save()
    accounts_contact_due_refresh(tiers=[tier.code])  # accounts already named by this code
    return tier


@transaction.atomic
def tier_update(
    tier: TierLevel, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> TierLevel:
    """Change a tier. Its code cannot change once accounts have it; a new cadence moves the
    next contact due of its accounts."""
    _tier_require_admin(acting_user)
    old_code = tier.code
    changed = fields_assign(tier, data, allowed=TIER_FIELDS)
    if "code" in changed:
        tier.code = (tier.code or "").strip()
        if Account.objects.filter(tier=old_code).exists():
            raise ValidationError(
                {"code": "Accounts have this tier: its code cannot change (rename it instead)."}
            )
        _tier_code_check(tier)
    others_active = TierLevel.objects.filter(is_active=True).exclude(pk=tier.pk)
    if "is_active" in changed and not tier.is_active and not others_active.exists():
        raise ValidationError({"is_active": "Keep at least one active tier."})
    instance_save_versioned(tier, changed=changed, expected_version=expected_version)
    if "contact_every_days" in changed or "code" in changed:
        accounts_contact_due_refresh(tiers=[tier.code])
    return tier


def _tier_code_check(tier: TierLevel) -> None:
    if not tier.code:
        raise ValidationError({"code": "Give the tier a short code, such as A."})
    if TierLevel.objects.filter(code__iexact=tier.code).exclude(pk=tier.pk).exists():
        raise ValidationError({"code": f"There is a tier with the code {tier.code} already."})


@transaction.atomic
def tier_move(tier: TierLevel, *, acting_user: Any, direction: str) -> None:
    """Move a tier one place up (towards the top tier) or down; positions are renumbered."""
    _tier_require_admin(acting_user)
    tiers = list(TierLevel.objects.select_for_update().order_by("position", "code"))
    index = next(i for i, row in enumerate(tiers) if row.pk == tier.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(tiers):
        tiers[index], tiers[other] = tiers[other], tiers[index]
    for position, row in enumerate(tiers, 1):
        if row.position != position:
            TierLevel.objects.filter(pk=row.pk).update(position=position)


def account_company_check(account: Account) -> None:
    """Refuse a year founded in the future and a parent that would make a cycle.

    The parent chain is walked up from the new parent: meeting the account itself means it would
    be its own ancestor. Chains are short (a group, its divisions), so one query per level is fine.
    """
    errors: dict[str, str] = {}
    this_year = timezone.localdate().year
    if account.founded_year is not None and account.founded_year > this_year:
        errors["founded_year"] = f"The year founded cannot be after {this_year}."
    if account.currency:
        account.currency = account.currency.upper()
    if account.parent_id is not None:
        if account.pk is not None and account.parent_id == account.pk:
            errors["parent"] = "An account cannot be its own parent account."
        elif account.pk is not None and _is_ancestor(account.pk, of=account.parent_id):
            errors["parent"] = (
                f"{account.parent} belongs to {account.name} already, so it cannot be its "
                "parent account."
            )
    if errors:
        raise ValidationError(errors)


def _is_ancestor(pk: int, *, of: int) -> bool:
    seen: set[int] = set()
    current: int | None = of
    while current is not None and current not in seen:
        if current == pk:
            return True
        seen.add(current)
        current = Account.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return False


@transaction.atomic
def account_delete(account: Account, *, acting_user: Any) -> None:
    record_require_write(acting_user, account)
    if account.deals.exists():
        raise ValidationError({"account": "This account has deals; delete or move them first."})
    account.delete()


@transaction.atomic
def contact_create(*, acting_user: Any, **data: Any) -> Contact:
    data = ownership_defaults(acting_user=acting_user, data=normalize_contact_fields(data))
    contact = Contact()
    custom_assign(contact, data, kind="contact")
    fields_assign(contact, data, allowed=CONTACT_FIELDS)
    contact.name_key = person_name_key(contact.first_name, contact.last_name)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_update(
    contact: Contact, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Contact:
    record_require_write(acting_user, contact)
    owner_change_check(acting_user=acting_user, record=contact, data=data)
    data = normalize_contact_fields(data)
    changed = custom_assign(contact, data, kind="contact")
    changed += fields_assign(contact, data, allowed=CONTACT_FIELDS)
    if {"first_name", "last_name"} & set(changed):
        contact.name_key = person_name_key(contact.first_name, contact.last_name)
        changed.append("name_key")
    return instance_save_versioned(contact, changed=changed, expected_version=expected_version)


@transaction.atomic
def contact_delete(contact: Contact, *, acting_user: Any) -> None:
    record_require_write(acting_user, contact)
    contact.delete()
