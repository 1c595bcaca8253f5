"""Normalisation of contact data: the same rules for forms, API, imports and demo data."""

from __future__ import annotations

import re
import unicodedata
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
    region = (region or settings.SALESFLOW_PHONE_REGION).upper()
    try:
        number = phonenumbers.parse(value, region, keep_raw_input=True)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"Enter a valid phone number ({exc}).", code="invalid") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError("Enter a valid phone number.", code="invalid")
    written_locally = (
        number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
    )
    if written_locally and not phonenumbers.is_valid_number(number):
        # Read in the assumed region the number makes no sense ("040 123 4567" in the US):
        # most likely it is a foreign number written without its country code.
        raise ValidationError(
            f"{value} is not a valid phone number for {region}; write it with the country "
            "code, e.g. +49 40 1234567.",
            code="invalid_for_region",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_doubt(e164: str | None) -> str:
    """A note when a stored number (with its country code) is possible but not valid, e.g.
    "+1 040 123 4567": it is kept, as numbering plans change, but the user should check it."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    if phonenumbers.is_valid_number(number):
        return ""
    written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return (
        f"{written} may not be a valid number for +{number.country_code}: "
        "check the country code and the number."
    )


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


# The longest name key stored. Case folding and compatibility forms can lengthen a name ("ß" is
# "ss", one ligature can be many letters), so keys are cut here rather than overflow a column.
NAME_KEY_MAX_LENGTH = 300


def name_key(raw: str | None) -> str:
    """A name in the form stored and compared for equality: "ÄRZTE  GMBH" -> "ärzte gmbh".

    Only case and spacing are folded: Unicode case folding (so "Straße" and "STRASSE" agree,
    which SQL `LOWER()` does not do on SQLite for any non-ASCII letter), compatibility forms
    (NFKC: ligatures, full-width letters, non-breaking spaces) and runs of white space. Accents
    and punctuation are kept, because "Ärzte" and "Arzte" or "Müller" and "Muller" may well be
    different names; `company_key` is the looser key that drops them. Keys are cut to
    NAME_KEY_MAX_LENGTH characters.
    """
    # NFKC again after folding: folding can leave a letter and an accent that compose.
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw or "").casefold())
    return " ".join(text.split())[:NAME_KEY_MAX_LENGTH].rstrip()


def person_name_key(first_name: str | None, last_name: str | None) -> str:
    """The name key of a person: their first and last name as one full name."""
    return name_key(f"{first_name or ''} {last_name or ''}")


# Legal-form words that say nothing about which company it is, compared after punctuation is
# dropped ("S.A." -> "sa", "Sp. z o.o." -> "sp z oo"). Longest forms first, so "gmbh co kg"
# goes before "kg".
LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        {
            tuple(form.split())
            for form in (
                "gmbh co kg", "gmbh co kgaa", "ag co kg", "gmbh", "mbh", "ggmbh", "ag", "kg",
                "kgaa", "ug", "ohg", "ev", "se", "ltd", "limited", "inc", "incorporated", "llc",
                "llp", "lp", "plc", "corp", "corporation", "co", "company", "pty", "pty ltd",
                "pte", "pte ltd", "sa", "sas", "sasu", "sarl", "eurl", "sl", "slu", "srl", "spa",
                "sapa", "bv", "nv", "vof", "oy", "oyj", "ab", "publ", "as", "asa", "aps", "a s",
                "kk", "sro", "as", "zrt", "kft", "sp z oo", "spzoo", "doo", "ooo", "oao", "zao",
                "pjsc", "jsc", "lda", "ltda", "bhd", "sdn bhd", "nl", "cv", "sc", "scs", "scrl",
            )
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip
_LEADING_WORDS = {"the"}


def _words_folded(raw: str) -> list[str]:
    """Lower-case words without accents or punctuation: "Müller & Söhne, S.A." -> müller..."""
    text = raw
    # Twice: case folding can uncover accents (dotted capital I) and compatibility forms
    # can uncover capitals (black-letter H).
    for _ in range(2):
        text = unicodedata.normalize("NFKD", text.casefold())
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " ").replace("+", " ")
    # Dots and apostrophes join what they split ("S.A." is "sa", "O'Neil" is "oneil");
    # every other non-alphanumeric character separates words.
    text = re.sub("[.'`\u2019\u00b4]", "", text)
    return re.sub(r"[^\w]+|_", " ", text).split()


def company_key(raw: str | None) -> str:
    """The comparable core of a company name: "ACME, Inc." and "Acme" give "acme".

    Case, accents, punctuation, a leading "The" and trailing legal forms (GmbH, Ltd, Inc., LLC,
    S.A., AG, BV, SARL, Oy, AB, ...) are dropped; a name that is nothing but a legal form keeps
    it, so "AG" stays "ag". Used to find duplicates and the account a lead belongs to.
    """
    words = _words_folded(raw or "")
    stripped = True
    while stripped:
        stripped = False
        for suffix in LEGAL_SUFFIXES:
            size = len(suffix)
            if len(words) > size and tuple(words[-size:]) == suffix:
                words = words[:-size]
                stripped = True
                break
    while len(words) > 1 and words[0] in _LEADING_WORDS:
        words = words[1:]
    return " ".join(words)
