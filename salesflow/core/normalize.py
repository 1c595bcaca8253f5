"""Normalisation of contact data: the same rules for forms, API, imports and demo data."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from email_validator import EmailNotValidError, validate_email


def normalize_email(raw: str | None) -> str:
    """Return the address lower-cased and checked for syntax only (no network)."""
    value = (raw or "").strip()
    if not value:
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"Enter a valid email address ({exc}).", code="invalid") from exc
    return result.normalized.lower()


def normalize_phone(raw: str | None, region: str | None = None) -> str:
    """Return the number in E.164 (+4930123456), reading local numbers in `region`.

    Without `region`, the admin-set default region applies (site settings), else the
    SALESFLOW_PHONE_REGION environment setting.
    """
    value = (raw or "").strip()
    if not value:
        return ""
    if region is None and not value.startswith("+"):
        region = default_phone_region()
    try:
        number = phonenumbers.parse(value, region or settings.SALESFLOW_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"Enter a valid phone number ({exc}).", code="invalid") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError("Enter a valid phone number.", code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def default_phone_region() -> str:
    from salesflow.core.models import SiteSettings

    row = SiteSettings.objects.filter(pk=1).values_list("phone_region", flat=True).first()
    return row or settings.SALESFLOW_PHONE_REGION


def normalize_contact_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise `email` and `phone` in a dict of input, raising one error naming each bad field."""
    errors: dict[str, list[str]] = {}
    for name, normaliser in (("email", normalize_email), ("phone", normalize_phone)):
        if name in data:
            try:
                data[name] = normaliser(data[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return data
