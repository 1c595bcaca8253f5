from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.normalize import name_key, normalize_contact_fields, person_name_key
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customers.models import Account, Contact
from salesflow.customfields.services import custom_assign
from salesflow.users.services import owner_change_check, ownership_defaults, record_require_write

ACCOUNT_FIELDS = {
    "name", "industry", "size_band", "region", "website", "tier", "notes",
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
    return instance_save_versioned(account, changed=changed, expected_version=expected_version)


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
