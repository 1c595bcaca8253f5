from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from salesflow.core.errors import AccessDenied
from salesflow.customers.models import Account, Contact
from salesflow.users import policy


def accounts_visible_to(user: Any) -> QuerySet[Account]:
    """Accounts the user may read: by the policy, or because they may read a deal on it."""
    own = policy.readable_q(user)
    if own == Q():
        return Account.objects.all()
    # Through the reverse relation, so this app needs no import of the pipeline app.
    via_deal = Account.objects.filter(policy.readable_q(user, "deals__")).values("pk")
    return Account.objects.filter(own | Q(pk__in=via_deal))


def accounts_writable_by(user: Any) -> QuerySet[Account]:
    return Account.objects.filter(policy.writable_q(user))


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """Contacts the user may read: by the policy, or as the primary contact of a readable deal."""
    own = policy.readable_q(user)
    if own == Q():
        return Contact.objects.all()
    via_deal = Contact.objects.filter(policy.readable_q(user, "deals__")).values("pk")
    return Contact.objects.filter(own | Q(pk__in=via_deal))


def account_get_for_user(user: Any, pk: int, *, write: bool = False) -> Account:
    """The account, or 404 when the user may not read it, or AccessDenied when read-only."""
    account = get_object_or_404(accounts_visible_to(user), pk=pk)
    if write and not policy.can_write(user, account):
        raise AccessDenied("You may see this account but not change it.")
    return account


def contact_get_for_user(user: Any, pk: int, *, write: bool = False) -> Contact:
    contact = get_object_or_404(contacts_visible_to(user).select_related("account"), pk=pk)
    if write and not policy.can_write(user, contact):
        raise AccessDenied("You may see this contact but not change it.")
    return contact
