"""Reading, checking and showing custom field values, one rule per type.

How each type is stored in a record's `custom` JSON object (chosen so that the database can
compare and index them as they are: numbers as JSON numbers, dates as ISO text, which sorts in
date order):

| type | stored as |
| --- | --- |
| text, long text, url, email | a string |
| phone | an E.164 string (`+4930123456`) |
| whole number | a JSON integer |
| decimal, money | a JSON number (money in the field's currency) |
| date | `"YYYY-MM-DD"` |
| date and time | `"YYYY-MM-DDTHH:MM:SSZ"`, in UTC |
| yes/no | `true` / `false` |
| one choice | the choice's key |
| several choices | a list of choice keys, in the field's choice order |
| a user | the user's id |

An empty input (None, "", []) means "no value": the key is removed from the record.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from salesflow.core.normalize import normalize_email, normalize_phone
from salesflow.customfields.models import CustomField, FieldType

TEXT_MAX = 1000
LONG_TEXT_MAX = 20000
TRUE_WORDS = {"1", "true", "yes", "y", "on", "t", "ja", "oui", "si"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "f", "nein", "non"}
# What a person is told to send, per type.
EXPECTED = {
    FieldType.TEXT: "text",
    FieldType.LONG_TEXT: "text",
    FieldType.NUMBER: "a whole number",
    FieldType.DECIMAL: "a number",
    FieldType.MONEY: "an amount",
    FieldType.DATE: "a date (YYYY-MM-DD)",
    FieldType.DATETIME: "a date and time (YYYY-MM-DDTHH:MM, ISO 8601)",
    FieldType.YES_NO: "yes or no",
    FieldType.CHOICE: "one of its choices",
    FieldType.CHOICES: "a list of its choices",
    FieldType.URL: "a web address",
    FieldType.EMAIL: "an email address",
    FieldType.PHONE: "a phone number",
    FieldType.USER: "a user's id or username",
}
# The range every database and Python can hold for dates.
DATE_MIN, DATE_MAX = dt.date(1000, 1, 1), dt.date(9998, 12, 31)
NUMBER_LIMIT = 10**15


def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _refuse(field: CustomField, raw: Any, detail: str = "") -> ValidationError:
    shown = raw if isinstance(raw, str | int | float | bool) else type(raw).__name__
    text = str(shown)
    if len(text) > 40:
        text = text[:37] + "..."
    message = f"{field.label} expects {EXPECTED[field.type]}, not {text!r}"
    return ValidationError(f"{message}{': ' + detail if detail else ''}.", code="custom_type")


def _number(field: CustomField, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise _refuse(field, raw)
    if isinstance(raw, str):
        raw = raw.strip().replace("\u00a0", "").replace(" ", "")
        if raw.count(",") == 1 and "." not in raw:
            raw = raw.replace(",", ".")  # "12,5" from a European spreadsheet
    try:
        number = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise _refuse(field, raw) from None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise _refuse(field, raw, "too large")
    return number


def _date(field: CustomField, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = parse_date(str(raw).strip()[:10])
        except ValueError:
            value = None
        if value is None:
            raise _refuse(field, raw)
    if not DATE_MIN <= value <= DATE_MAX:
        raise _refuse(field, raw, "out of range")
    return value


def _datetime(field: CustomField, raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = parse_datetime(str(raw).strip())
        except ValueError:
            value = None
        if value is None:
            raise _refuse(field, raw)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not DATE_MIN <= value.date() <= DATE_MAX:
        raise _refuse(field, raw, "out of range")
    return value.astimezone(dt.UTC)


def _yes_no(field: CustomField, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _refuse(field, raw)


def _choice(field: CustomField, raw: Any) -> str:
    """A choice by key or by label (case and spacing ignored), archived ones included: an
    existing value may be saved again."""
    text = " ".join(str(raw).split()).casefold()
    for choice in field.choices:
        if text in (choice["key"].casefold(), " ".join(choice["label"].split()).casefold()):
            return choice["key"]
    names = ", ".join(field.choice_keys(active_only=True))
    raise _refuse(field, raw, f"choose from {names}" if names else "it has no choices")


def _choices(field: CustomField, raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple | set):
        raise _refuse(field, raw)
    keys = {_choice(field, item) for item in items if not is_empty(item)}
    return [key for key in field.choice_keys() if key in keys]


def _user(field: CustomField, raw: Any) -> int:
    from salesflow.users.models import User

    if isinstance(raw, User):
        return raw.pk
    text = str(raw).strip()
    query = (
        User.objects.filter(pk=int(text))
        if text.isdigit()
        else User.objects.filter(username__iexact=text)
    )
    pk = query.values_list("pk", flat=True).first()
    if pk is None:
        raise _refuse(field, raw, "no such user")
    return pk


def value_from_input(field: CustomField, raw: Any) -> Any:
    """The value to store for `raw` (from a form, the API, a file), or None for "no value".

    Raises ValidationError naming the field and the type it expects.
    """
    if is_empty(raw):
        return None
    kind = field.type
    if isinstance(raw, dict):
        raise _refuse(field, raw)
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        text = str(raw).strip() if kind == FieldType.TEXT else str(raw)
        limit = TEXT_MAX if kind == FieldType.TEXT else LONG_TEXT_MAX
        if len(text) > limit:
            raise ValidationError(f"{field.label} holds at most {limit} characters.")
        return text
    if kind == FieldType.NUMBER:
        number = _number(field, raw)
        if number != number.to_integral_value():
            raise _refuse(field, raw)
        return int(number)
    if kind in (FieldType.DECIMAL, FieldType.MONEY):
        number = _number(field, raw)
        places = 2 if kind == FieldType.MONEY else 6
        return float(round(number, places))
    if kind == FieldType.DATE:
        return _date(field, raw).isoformat()
    if kind == FieldType.DATETIME:
        return _datetime(field, raw).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == FieldType.YES_NO:
        return _yes_no(field, raw)
    if kind == FieldType.CHOICE:
        return _choice(field, raw)
    if kind == FieldType.CHOICES:
        return _choices(field, raw) or None
    if kind == FieldType.URL:
        text = str(raw).strip()
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise _refuse(field, raw) from None
        return text
    if kind == FieldType.EMAIL:
        try:
            return normalize_email(str(raw))
        except ValidationError:
            raise _refuse(field, raw) from None
    if kind == FieldType.PHONE:
        try:
            return normalize_phone(str(raw))
        except ValidationError:
            raise _refuse(field, raw) from None
    if kind == FieldType.USER:
        return _user(field, raw)
    raise _refuse(field, raw)  # pragma: no cover - every type is handled above


def value_python(field: CustomField, stored: Any) -> Any:
    """A stored value as the Python value a form or a template uses."""
    if stored is None:
        return None
    if field.type == FieldType.DATE:
        return parse_date(stored)
    if field.type == FieldType.DATETIME:
        return parse_datetime(stored)
    if field.type in (FieldType.DECIMAL, FieldType.MONEY):
        return Decimal(str(stored))
    return stored


def value_display(field: CustomField, stored: Any, *, users: dict[int, str] | None = None) -> str:
    """A stored value as a person reads it (pages, CSV exports)."""
    if stored is None or stored == []:
        return ""
    if field.type == FieldType.YES_NO:
        return "yes" if stored else "no"
    if field.type == FieldType.CHOICE:
        return field.choice_label(stored)
    if field.type == FieldType.CHOICES:
        return ", ".join(field.choice_label(key) for key in stored)
    if field.type == FieldType.MONEY:
        amount = Decimal(str(stored))
        text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
        return f"{field.currency} {text}".strip()
    if field.type == FieldType.DECIMAL:
        number = float(stored)
        return str(int(number)) if math.isclose(number, round(number)) else f"{number:g}"
    if field.type == FieldType.DATE:
        return parse_date(stored).strftime("%-d %b %Y")
    if field.type == FieldType.DATETIME:
        moment = timezone.localtime(parse_datetime(stored))
        return moment.strftime("%-d %b %Y, %H:%M")
    if field.type == FieldType.USER:
        return (users or {}).get(stored, f"user #{stored}")
    return str(stored)
