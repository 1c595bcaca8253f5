"""Every custom field type: what it accepts, how it is stored, what it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from salesflow.customfields.models import CustomField, FieldType
from salesflow.customfields.values import value_display, value_from_input

CHOICES = [
    {"key": "google", "label": "Google", "archived": False},
    {"key": "reference", "label": "Reference", "archived": False},
    {"key": "olark_chat", "label": "Olark Chat", "archived": True},
]


def field(type_: str, **extra) -> CustomField:
    return CustomField(kind="lead", key="f", label="Visits", type=type_, **extra)


@pytest.mark.parametrize(
    ("type_", "raw", "stored"),
    [
        (FieldType.TEXT, "  Landing page  ", "Landing page"),
        (FieldType.LONG_TEXT, "line one\nline two", "line one\nline two"),
        (FieldType.NUMBER, "12", 12),
        (FieldType.NUMBER, 7.0, 7),
        (FieldType.DECIMAL, "2,5", 2.5),
        (FieldType.DECIMAL, "1.333333333", 1.333333),
        (FieldType.DATE, "2024-03-01", "2024-03-01"),
        (FieldType.DATE, dt.date(2024, 3, 1), "2024-03-01"),
        (FieldType.DATETIME, "2024-03-01T10:30:00+02:00", "2024-03-01T08:30:00Z"),
        (FieldType.YES_NO, "Yes", True),
        (FieldType.YES_NO, "0", False),
        (FieldType.YES_NO, False, False),
        (FieldType.URL, "https://example.org/page", "https://example.org/page"),
        (FieldType.EMAIL, "Ada@Example.ORG", "ada@example.org"),
        (FieldType.PHONE, "+49 30 1234567", "+49301234567"),
        (FieldType.TEXT, "", None),
        (FieldType.NUMBER, None, None),
    ],
)
def test_a_value_is_stored_in_its_type_s_form(type_, raw, stored):
    assert value_from_input(field(type_), raw) == stored


def test_money_keeps_cents_and_shows_its_currency():
    money = field(FieldType.MONEY, currency="EUR")
    assert value_from_input(money, "1234.567") == 1234.57
    assert value_display(money, 1234.5) == "EUR 1,234.50"


def test_choices_are_read_by_key_or_label_and_stored_by_key():
    one = field(FieldType.CHOICE, choices=CHOICES)
    assert value_from_input(one, "GOOGLE") == "google"
    assert value_from_input(one, "olark chat") == "olark_chat"  # archived, still readable
    several = field(FieldType.CHOICES, choices=CHOICES)
    assert value_from_input(several, "Reference, google") == ["google", "reference"]
    assert value_display(several, ["google", "reference"]) == "Google, Reference"


@pytest.mark.parametrize(
    ("type_", "raw", "message"),
    [
        (FieldType.NUMBER, "many", "Visits expects a whole number, not 'many'."),
        (FieldType.NUMBER, "2.5", "Visits expects a whole number, not '2.5'."),
        (FieldType.NUMBER, "1e30", "Visits expects a whole number, not '1e30': too large."),
        (FieldType.DECIMAL, "NaN", "Visits expects a number, not 'NaN': too large."),
        (FieldType.DATE, "31/02/2024", "Visits expects a date (YYYY-MM-DD), not '31/02/2024'."),
        (FieldType.DATE, "0001-01-01", "Visits expects a date (YYYY-MM-DD), not '0001-01-01': out of range."),  # noqa: E501
        (FieldType.YES_NO, "maybe", "Visits expects yes or no, not 'maybe'."),
        (FieldType.URL, "javascript:alert(1)", "Visits expects a web address, not 'javascript:alert(1)'."),  # noqa: E501
        (FieldType.TEXT, {"a": 1}, "Visits expects text, not 'dict'."),
    ],
)  # fmt: skip
def test_a_wrong_value_names_the_field_and_the_expected_type(type_, raw, message):
    with pytest.raises(ValidationError) as caught:
        value_from_input(field(type_), raw)
    assert caught.value.messages == [message]


def test_an_unknown_choice_lists_the_active_ones():
    with pytest.raises(ValidationError) as caught:
        value_from_input(field(FieldType.CHOICE, choices=CHOICES), "Bing")
    assert caught.value.messages == [
        "Visits expects one of its choices, not 'Bing': choose from google, reference."
    ]


@pytest.mark.django_db
def test_a_user_is_found_by_id_or_username(rep):
    assert value_from_input(field(FieldType.USER), "REP") == rep.pk
    assert value_from_input(field(FieldType.USER), str(rep.pk)) == rep.pk
    with pytest.raises(ValidationError, match="no such user"):
        value_from_input(field(FieldType.USER), "nobody")
