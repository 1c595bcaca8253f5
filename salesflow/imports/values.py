"""Reading one cell: dates, numbers, yes/no, choices, and the typed value of a field."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation

from salesflow.core.normalize import normalize_email, normalize_phone
from salesflow.customfields.models import CustomField, FieldType
from salesflow.customfields.values import value_from_input
from salesflow.imports.targets import Target
from salesflow.leads.bulk import email_is_plain

# A date-only value for a moment (created, closed) is read as this local time of day.
DATE_ONLY_TIME = dt.time(12, 0)


@dataclass(frozen=True)
class RowOptions:
    date_format: str | None = None
    date_order: str = "dmy"
    decimal_separator: str = "."
    phone_region: str | None = None


DATE_FORMATS = {
    "Y-m-d": "%Y-%m-%d",
    "d/m/Y": "%d/%m/%Y",
    "m/d/Y": "%m/%d/%Y",
    "d.m.Y": "%d.%m.%Y",
    "d-m-Y": "%d-%m-%Y",
    "m-d-Y": "%m-%d-%Y",
    "Y/m/d": "%Y/%m/%d",
}
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_NUMERIC = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)


def date_format_normalise(value: str) -> str:
    """A strftime format from the mapping's "date_format": "%d/%m/%Y" or "d/m/Y"."""
    if "%" in value:
        return value
    if value in DATE_FORMATS:
        return DATE_FORMATS[value]
    converted = "".join(f"%{ch}" if ch in "dmYyHMS" else ch for ch in value)
    if "%" not in converted:
        raise ValueError(f'date_format {value!r} is not a date format (try "d/m/Y").')
    return converted


def date_order_evidence(value: Any) -> str | None:
    """ "dmy" or "mdy" when a day/month/year text can only be read one way."""
    if not isinstance(value, str):
        return None
    match = _NUMERIC.match(value.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def parse_datetime_parts(
    value: Any, *, date_format: str | None = None, order: str = "dmy"
) -> tuple[dt.datetime, bool, str | None]:
    """(naive or aware datetime, has_time, utc_offset) from a cell; ValueError with a message."""
    if isinstance(value, dt.datetime):
        has_time = value.time() != dt.time(0, 0)
        return value, has_time, None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), False, None
    text = str(value).strip()
    iso = _ISO.match(text)
    if iso:
        year, month, day, hour, minute, second, zone = iso.groups()
        try:
            moment = dt.datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a real date ({exc}).") from exc
        if zone:
            moment = dt.datetime.fromisoformat(
                f"{moment.isoformat()}{'+00:00' if zone == 'Z' else _colon(zone)}"
            )
        return moment, hour is not None, zone
    if date_format:
        for suffix in ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S"):
            try:
                moment = dt.datetime.strptime(text, date_format + suffix)
            except ValueError:
                continue
            return moment, bool(suffix), None
        raise ValueError(f"{text!r} does not match the date format {date_format!r}.")
    match = _NUMERIC.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a date; write it as 2024-03-31 or 31/03/2024.")
    a, b, year, hour, minute, second, ampm = match.groups()
    day, month = (int(a), int(b)) if order == "dmy" else (int(b), int(a))
    year_number = int(year)
    if len(year) == 2:
        year_number += 2000 if year_number < 69 else 1900
    hour_number = int(hour or 0)
    if ampm:
        hour_number = hour_number % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        moment = dt.datetime(
            year_number, month, day, hour_number, int(minute or 0), int(second or 0)
        )
    except ValueError as exc:
        shown = "day/month/year" if order == "dmy" else "month/day/year"
        raise ValueError(f"{text!r} is not a real date read as {shown} ({exc}).") from exc
    return moment, hour is not None, None


def _colon(zone: str) -> str:
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"


# Spaces and apostrophes that group thousands, and a currency symbol or ISO code at either end.
_CURRENCY_NOISE = re.compile(
    r"[\s\u00a0\u202f'\u2019]|(?:[A-Za-z]{3}|[$€£¥₹])$|^(?:[A-Za-z]{3}|[$€£¥₹])"
)


def parse_decimal(value: Any, *, decimal_separator: str = ".") -> Decimal:
    """A number from a cell: "1,234.50", "1.234,50", "1 234,5", "€ 99", "12%"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number.")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip()
    shown = text
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()%")
    text = _CURRENCY_NOISE.sub("", text)
    text = _CURRENCY_NOISE.sub("", text)
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    if not text or not re.fullmatch(r"[\d.,]+", text):
        raise ValueError(f"{shown!r} is not a number.")
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal = "." if text.rindex(".") > text.rindex(",") else ","
    elif has_comma:
        # Several commas, or one followed by exactly three digits, group thousands unless the
        # file's decimals are written with a comma.
        groups = text.split(",")
        if len(groups) > 2 or (len(groups[-1]) == 3 and decimal_separator != ","):
            decimal = "."
        else:
            decimal = ","
    elif has_dot:
        groups = text.split(".")
        if len(groups) > 2 or (len(groups[-1]) == 3 and decimal_separator == ","):
            decimal = ","
        else:
            decimal = "."
    else:
        decimal = "."
    thousands = "," if decimal == "." else "."
    integer, _, fraction = text.replace(thousands, "").partition(decimal)
    if decimal in fraction or not (integer or fraction):
        raise ValueError(f"{shown!r} is not a number.")
    try:
        number = Decimal(f"{integer or '0'}.{fraction or '0'}")
    except InvalidOperation as exc:
        raise ValueError(f"{shown!r} is not a number.") from exc
    return -number if negative else number


TRUE_WORDS = {"1", "yes", "y", "true", "t", "x", "on", "ja", "oui", "si", "sí", "checked"}
FALSE_WORDS = {"0", "no", "n", "false", "f", "off", "nein", "non", "unchecked", "-"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not yes or no.")


def cell_text(value: Any) -> str:
    """A cell as text: numbers from XLSX without a trailing ".0", dates in ISO form."""
    if type(value) is str:  # most cells: straight to the spacing rule
        return _spaced(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _spaced(str(value))


def _spaced(text: str) -> str:
    """One line's runs of spaces made one; a text of several lines only trimmed."""
    return " ".join(text.split()) if "\n" not in text else text.strip()


def value_key(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def choice_of(choices: type[models.TextChoices], value: Any) -> str | None:
    """The stored value of a choice written as its value or its label (`Cold call`,
    `cold_call`), ignoring case and spacing; None when it is none of them."""
    return _choice_index(choices, translation.get_language()).get(value_key(value))


@functools.cache
def _choice_index(choices: type[models.TextChoices], _language: str | None) -> dict[str, str]:
    """Every way of writing each choice -> its value, built once per choices and language
    (labels may be translated). The first choice that a text names wins, as in a scan."""
    index: dict[str, str] = {}
    for choice_value, label in choices.choices:
        for written in (choice_value, label, choice_value.replace("_", " ")):
            index.setdefault(value_key(written), str(choice_value))
    return index


# -- emails and phones, per distinct text -----------------------------------------------------

# Distinct values remembered per process: a file repeats its phones, companies' domains ...
_MEMO_SIZE = 50_000


def email_read(text: str) -> str:
    """`normalize_email` of a cell: the address lower-cased and checked for syntax;
    ValidationError as it raises it."""
    if email_is_plain(text):  # valid as it is: email-validator would only lower-case it
        return text.lower()
    return _email_read(text)


def _memoised(reader: Any) -> Any:
    """`reader` remembered per distinct argument, its ValidationError included."""

    @functools.lru_cache(maxsize=_MEMO_SIZE)
    def outcome(*args: Any) -> tuple[bool, Any]:
        try:
            return True, reader(*args)
        except ValidationError as exc:
            return False, [(e.message, e.code, e.params) for e in exc.error_list]

    @functools.wraps(reader)
    def read(*args: Any) -> Any:
        ok, result = outcome(*args)
        if not ok:  # a new error each time, as the reader would raise it
            raise ValidationError([ValidationError(m, code=c, params=p) for m, c, p in result])
        return result

    read.cache_clear = outcome.cache_clear  # type: ignore[attr-defined]
    return read


_email_read = _memoised(normalize_email)
# Phone parsing (about 0.07 ms a number with phonenumbers) once per distinct text and region.
_phone_read = _memoised(normalize_phone)


def phone_read(text: str, region: str | None) -> str:
    """`normalize_phone` of a cell, remembered per text when the region is known (without one
    `normalize_phone` reads the site's region, which may change)."""
    if region is None:
        return normalize_phone(text, region)
    return _phone_read(text, region)


def custom_value(field: CustomField, value: Any, options: RowOptions) -> Any:
    """A cell as the value a custom field stores; ValueError with the field's own message
    ("Total visits expects a whole number, not 'abc'.").

    The cell is first read as the importer reads cells of that type (the file's date order and
    decimal separator, "yes"/"x", phones in the site's region, websites without a scheme); what
    that cannot read goes to the field's own rules as it is, so the message is theirs.
    """
    kind = field.type
    read: Any = value
    try:
        if kind in (FieldType.NUMBER, FieldType.DECIMAL, FieldType.MONEY):
            # As text, so that a refusal shows the number ("5.5"), not its Python type.
            read = format(parse_decimal(value, decimal_separator=options.decimal_separator), "f")
        elif kind in (FieldType.DATE, FieldType.DATETIME):
            moment, has_time, _zone = parse_datetime_parts(
                value, date_format=options.date_format, order=options.date_order
            )
            if kind == FieldType.DATE:
                read = moment.date()
            else:
                if not has_time:
                    moment = dt.datetime.combine(moment.date(), DATE_ONLY_TIME)
                read = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        elif kind == FieldType.YES_NO:
            read = parse_bool(value)
        elif kind == FieldType.PHONE:
            read = normalize_phone(cell_text(value), options.phone_region)
        elif kind == FieldType.URL:
            text = cell_text(value)
            read = text if "://" in text else f"https://{text}"
        else:
            read = cell_text(value)
    except (ValueError, ValidationError):
        read = cell_text(value)
    try:
        return value_from_input(field, read)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc


# -- number ranges ------------------------------------------------------------------------------

NumberRange = tuple[Decimal | None, Decimal | None, Any]  # (low, high, value); None: open


def ranges_read(target: str, entries: Any) -> tuple[list[NumberRange], list[str]]:
    """The `ranges` of one target, `[[low, high, value], ...]` with inclusive bounds and null
    for an open end, and the problems found: malformed entries, reversed bounds, overlaps.
    Each problem names its entry (`ranges.size_band[2]`, counted from 1)."""
    problems: list[str] = []
    read: list[tuple[int, NumberRange]] = []
    if not isinstance(entries, list) or not entries:
        return [], [
            f"ranges.{target} must list [low, high, value] entries, e.g. "
            '[[1, 10, "1-10"], [11, null, "11+"]].'
        ]
    for number, entry in enumerate(entries, start=1):
        where = f"ranges.{target}[{number}] {json_text(entry)}"
        if not isinstance(entry, list) or len(entry) != 3:
            problems.append(f"{where}: write [low, high, value]; null for an open end.")
            continue
        bounds: list[Decimal | None] = []
        for bound in entry[:2]:
            if bound is None:
                bounds.append(None)
            elif isinstance(bound, int | float) and not isinstance(bound, bool):
                bounds.append(Decimal(repr(bound)))
            else:
                problems.append(f"{where}: the bounds must be numbers or null, not {bound!r}.")
                break
        else:
            low, high = bounds
            if low is None and high is None:
                problems.append(f"{where}: give at least one bound.")
            elif low is not None and high is not None and low > high:
                problems.append(f"{where}: the low bound {low} is above the high bound {high}.")
            else:
                read.append((number, (low, high, entry[2])))
    ordered = sorted(read, key=lambda item: (item[1][0] is not None, item[1][0] or 0))
    for (first_number, first), (second_number, second) in itertools.pairwise(ordered):
        if first[1] is None or (second[0] is not None and second[0] <= first[1]):
            problems.append(
                f"ranges.{target}[{second_number}] {json_text(list(second))} overlaps "
                f"ranges.{target}[{first_number}] {json_text(list(first))}."
            )
    return [item for _, item in read], problems


def range_value(ranges: list[NumberRange], number: Decimal) -> Any:
    """The value of the range holding `number`; LookupError when none does."""
    for low, high, value in ranges:
        if (low is None or number >= low) and (high is None or number <= high):
            return value
    raise LookupError(number)


def json_text(value: Any) -> str:
    """A value as the mapping writes it (null, not None), for messages."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json_text(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return json.dumps(value, ensure_ascii=False)


def convert(target: Target, value: Any, options: RowOptions) -> Any:
    """A cell (or default) as the value the service expects; ValueError with a message."""
    kind = target.type
    if kind == "custom":
        return custom_value(target.custom_field, value, options)
    if kind in ("text", "name", "ref"):
        return cell_text(value)
    if kind == "email":
        try:
            return email_read(cell_text(value))
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from exc
    if kind == "phone":
        try:
            return phone_read(cell_text(value), options.phone_region)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from exc
    if kind == "url":
        text = cell_text(value)
        return text if "://" in text else f"https://{text}"
    if kind == "currency":
        text = cell_text(value).upper()
        if not re.fullmatch(r"[A-Z]{3}", text):
            raise ValueError(f"{text!r} is not a three-letter currency code such as EUR.")
        return text
    if kind == "choice":
        assert target.choices is not None
        choice = choice_of(target.choices, value)
        if choice is None:
            raise ValueError(
                f"Unknown {target.name.replace('_', ' ')} {cell_text(value)!r}; use one "
                f"of: {', '.join(target.choices.values)}, or translate it in the mapping's "
                f'"values".'
            )
        return choice
    if kind == "bool":
        return parse_bool(value)
    if kind == "decimal":
        return parse_decimal(value, decimal_separator=options.decimal_separator)
    if kind == "integer":
        number = parse_decimal(value, decimal_separator=options.decimal_separator)
        if number != number.to_integral_value() or number < 0:
            raise ValueError(f"{cell_text(value)!r} is not a whole number of 0 or more.")
        return int(number)
    if kind in ("date", "datetime"):
        moment, has_time, _zone = parse_datetime_parts(
            value, date_format=options.date_format, order=options.date_order
        )
        if kind == "date":
            return moment.date()
        if not has_time:
            moment = dt.datetime.combine(moment.date(), DATE_ONLY_TIME)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
    raise ValueError(f"Unsupported field type {kind!r}.")
