from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.core.normalize import name_key, normalize_contact_fields, person_name_key
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customers.models import Account, Contact
from salesflow.customfields.services import custom_assign
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

ACCOUNT_FIELDS = {
    "name", "industry", "size_band", "region", "website", "tier", "notes",
    "annual_revenue", "currency", "employee_count", "founded_year", "parent",
    "owner", "team", "visibility",
}  # fmt: skip
CONTACT_FIELDS = {
    "account", "first_name", "last_name", "position", "email", "phone", "birthday", "family",
    "hobbies", "education", "achievements", "places_visited", "cultural_background", "notes",
    "has_consent", "consent_at", "do_not_contact", "owner", "team", "visibility",
}  # fmt: skip


@transaction.atomic
def account_create(*, acting_user: Any, **data: Any) -> Account:
    data = ownership_defaults(acting_user=acting_user, data=data)
    account = Account()
    custom_assign(account, data, kind="account")
    fields_assign(account, data, allowed=ACCOUNT_FIELDS)
    account.name_key = name_key(account.name)
    account_company_check(account)
    account.full_clean()
    account.save()
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
    account_company_check(account)
    return instance_save_versioned(account, changed=changed, expected_version=expected_version)


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
