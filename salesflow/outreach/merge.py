"""Merge fields in email templates: `{{ first_name }}` and the like, nothing else.

A small substitution rather than Django's template engine, so a template written by a user can
reach nothing but the values below. An unknown field is refused when the template is saved.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import escape

MERGE_FIELDS = {
    "first_name": "The contact's first name",
    "last_name": "The contact's last name",
    "full_name": "The contact's full name",
    "company": "The contact's account",
    "owner_name": "The contact's owner (or the sender)",
    "owner_email": "The owner's email address",
    "sender_name": "Who sends the email",
    "unsubscribe_url": "The link that unsubscribes the contact from marketing email",
}
FIELD = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")


def merge_fields_check(**texts: str) -> None:
    """Refuse unknown merge fields, naming the form field and the merge field."""
    errors = {}
    for name, text in texts.items():
        unknown = [f for f in FIELD.findall(text or "") if f not in MERGE_FIELDS]
        if unknown:
            errors[name] = (
                f"Unknown merge field {{{{ {unknown[0]} }}}}; use one of: "
                + ", ".join(MERGE_FIELDS)
                + "."
            )
    if errors:
        raise ValidationError(errors)


def merge_values(contact: Any, *, sender: Any, unsubscribe_url: str) -> dict[str, str]:
    owner = contact.owner or sender
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "company": contact.account.name if contact.account_id else "",
        "owner_name": (owner.get_full_name() or owner.username) if owner else "",
        "owner_email": owner.email if owner else "",
        "sender_name": (sender.get_full_name() or sender.username) if sender else "",
        "unsubscribe_url": unsubscribe_url,
    }


def merge(text: str, values: dict[str, str], *, html: bool = False) -> str:
    """The text with every merge field replaced (HTML-escaped in an HTML body)."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1), "")
        return escape(found) if html else found

    return FIELD.sub(value, text or "")
