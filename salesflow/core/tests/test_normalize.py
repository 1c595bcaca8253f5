from __future__ import annotations

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from salesflow.core.normalize import normalize_contact_fields, normalize_email, normalize_phone

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
