from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salesflow.imports import values


@pytest.mark.parametrize(
    ("text", "separator", "number"),
    [
        ("1234.50", ".", Decimal("1234.50")),
        ("1,234.50", ".", Decimal("1234.50")),
        ("1.234,50", ".", Decimal("1234.50")),
        ("1 234,5", ",", Decimal("1234.5")),
        ("1234,50", ".", Decimal("1234.50")),
        ("12,5", ".", Decimal("12.5")),
        ("1,234", ".", Decimal("1234")),
        ("1,234", ",", Decimal("1.234")),
        ("1.234", ",", Decimal("1234")),
        ("1.234.567", ".", Decimal("1234567")),
        ("€ 99", ".", Decimal("99")),
        ("99 EUR", ".", Decimal("99")),
        ("$1,000", ".", Decimal("1000")),
        ("(250.00)", ".", Decimal("-250.00")),
        ("-3", ".", Decimal("-3")),
        (1234.5, ".", Decimal("1234.5")),
        (7, ".", Decimal("7")),
    ],
)
def test_decimals_with_point_or_comma(text, separator, number):
    assert values.parse_decimal(text, decimal_separator=separator) == number


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5", "12a", "", "--"])
def test_text_that_is_no_number_is_refused(text):
    with pytest.raises(ValueError, match="is not a number"):
        values.parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "order", "date_format", "expected"),
    [
        ("2024-03-04", "dmy", None, dt.datetime(2024, 3, 4)),
        ("2024-03-04T10:15:00", "mdy", None, dt.datetime(2024, 3, 4, 10, 15)),
        ("04/03/2024", "dmy", None, dt.datetime(2024, 3, 4)),
        ("03/04/2024", "mdy", None, dt.datetime(2024, 3, 4)),
        ("4.3.2024 14:30", "dmy", None, dt.datetime(2024, 3, 4, 14, 30)),
        ("3/4/24 2:30 PM", "mdy", None, dt.datetime(2024, 3, 4, 14, 30)),
        ("2024/03/04", "dmy", "%Y/%m/%d", dt.datetime(2024, 3, 4)),
        ("04-03-2024", "mdy", "d-m-Y", dt.datetime(2024, 3, 4)),
        ("2024-03-04", "mdy", "d/m/Y", dt.datetime(2024, 3, 4)),  # ISO always reads
    ],
)
def test_dates_in_iso_day_first_month_first_or_a_named_format(text, order, date_format, expected):
    fmt = values.date_format_normalise(date_format) if date_format else None

    moment, _, _ = values.parse_datetime_parts(text, date_format=fmt, order=order)

    assert moment == expected


def test_an_impossible_date_says_how_it_was_read():
    with pytest.raises(ValueError, match=r"'13/31/2024' is not a real date read as day/month"):
        values.parse_datetime_parts("13/31/2024", order="dmy")


def test_unambiguous_dates_are_evidence_of_the_order():
    assert values.date_order_evidence("31/01/2024") == "dmy"
    assert values.date_order_evidence("01/31/2024") == "mdy"
    assert values.date_order_evidence("01/02/2024") is None
    assert values.date_order_evidence("2024-01-31") is None


@pytest.mark.parametrize(
    ("text", "value"), [("Yes", True), ("no", False), ("1", True), ("x", True)]
)
def test_yes_and_no(text, value):
    assert values.parse_bool(text) is value


def test_cells_read_as_text_as_a_person_would_type_them():
    assert values.cell_text(12.0) == "12"
    assert values.cell_text(dt.datetime(2024, 1, 2)) == "2024-01-02"
    assert values.cell_text("  Interested   in  MBA ") == "Interested in MBA"
    assert values.cell_text(None) == ""
