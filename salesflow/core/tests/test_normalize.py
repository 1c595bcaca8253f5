from __future__ import annotations

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from salesflow.core.normalize import (
    NAME_KEY_MAX_LENGTH,
    name_key,
    normalize_contact_fields,
    normalize_email,
    normalize_phone,
    person_name_key,
)

local_part = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9._+-]{0,20}[a-zA-Z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)
domain = st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,15}[a-zA-Z0-9]\.(com|org|de|io)", fullmatch=True)


@given(local=local_part, host=domain)
def test_valid_email_comes_back_lower_case_and_stable(local, host):
    normalised = normalize_email(f"  {local}@{host} ")
    assert normalised == normalised.lower()
    assert normalize_email(normalised) == normalised


@given(st.text(max_size=40).filter(lambda s: "@" not in s and s.strip()))
def test_text_without_at_sign_is_never_an_email(text):
    with pytest.raises(ValidationError):
        normalize_email(text)


@given(st.integers(min_value=2_000_000, max_value=9_999_999))
def test_local_number_gets_the_default_region(local):
    # Berlin numbers: written locally they come back in E.164 with +49.
    result = normalize_phone(f"030 {local}", region="DE")
    assert result == f"+4930{local}"
    assert phonenumbers.is_possible_number(phonenumbers.parse(result))


@given(st.text(max_size=30))
def test_phone_normaliser_either_returns_e164_or_refuses(text):
    try:
        result = normalize_phone(text, region="US")
    except ValidationError:
        return
    assert result == "" or (result.startswith("+") and result[1:].isdigit())


def test_international_formatting_is_removed():
    assert normalize_phone("+44 (0)20 7946 0958") == "+442079460958"


def test_blank_values_stay_blank():
    assert normalize_email("   ") == ""
    assert normalize_phone(None) == ""


@pytest.mark.django_db
def test_contact_fields_report_every_bad_field_at_once():
    with pytest.raises(ValidationError) as exc:
        normalize_contact_fields({"email": "not-an-email", "phone": "12"})
    assert set(exc.value.message_dict) == {"email", "phone"}


# Name keys ------------------------------------------------------------------------------------

# Letters whose upper and lower case fold to the same key (not the Turkish dotted/dotless i).
CASED_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüéèñçåøßłžÄÖÜÉÈÑÇÅØŁŽΩω"


def test_a_name_key_folds_capitals_and_spacing():
    assert name_key("  ÄRZTE \t GMBH ") == name_key("Ärzte GmbH") == "ärzte gmbh"
    assert name_key("JOSÉ  GARCÍA") == name_key("José García") == "josé garcía"


def test_a_name_key_keeps_accents_and_punctuation():
    assert name_key("Arzte GmbH") != name_key("Ärzte GmbH")
    assert name_key("Müller & Söhne, S.A.") == "müller & söhne, s.a."


def test_a_name_key_folds_what_lower_case_alone_does_not():
    assert name_key("STRASSE") == name_key("Straße") == "strasse"
    assert name_key("\uff21\uff23\uff2d\uff25") == name_key("ACME")  # full-width letters
    assert name_key("Of\ufb01ce\u00a0Depot") == "office depot"  # ligature, non-breaking space
    # A decomposed accent and a composed one give the same key.
    assert name_key("Jose\u0301") == name_key("José")


def test_a_blank_name_has_a_blank_key():
    assert name_key(None) == name_key("   ") == ""


def test_a_very_long_name_has_a_key_that_fits_its_column():
    key = name_key("ß" * 200)  # every ß folds to two letters
    assert key == "s" * NAME_KEY_MAX_LENGTH


def test_a_person_name_key_is_the_key_of_first_and_last_name():
    assert person_name_key(" José", "GARCÍA ") == "josé garcía"
    assert person_name_key("", "Lima") == person_name_key(None, "LIMA") == "lima"


@given(st.text(max_size=60))
def test_a_name_key_is_its_own_key(text):
    key = name_key(text)
    assert name_key(key) == key
    assert key == key.strip() and "  " not in key


@given(st.text(CASED_LETTERS + " ", max_size=40))
def test_a_name_in_capitals_or_small_letters_has_one_key(text):
    assert name_key(text.upper()) == name_key(text.lower()) == name_key(text)
