from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesflow.core.exports import FORMULA_PREFIXES, cell_safe, csv_rows


def test_formula_looking_text_is_neutralised():
    assert cell_safe('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert cell_safe("+49 30 123") == "'+49 30 123"
    assert cell_safe("-2+3") == "'-2+3"
    assert cell_safe("@SUM(A1)") == "'@SUM(A1)"


def test_numbers_and_plain_text_are_unchanged():
    assert cell_safe(Decimal("-12.50")) == "-12.50"
    assert cell_safe(7) == "7"
    assert cell_safe("Acme GmbH") == "Acme GmbH"
    assert cell_safe(None) == ""


@given(st.text())
def test_no_text_cell_can_start_a_formula(text):
    assert not cell_safe(text).startswith(FORMULA_PREFIXES)


@pytest.mark.parametrize(
    "text",
    [" =1+1", '\n=HYPERLINK("http://evil")', "  @SUM(A1)", "\r\n+1", "\u3000-2+3", "\uff1dSUM(A1)"],
)
def test_a_formula_after_spaces_or_line_breaks_is_neutralised_too(text):
    assert cell_safe(text) == "'" + text


@given(st.text())
def test_no_text_cell_starts_a_formula_after_leading_blanks(text):
    safe = cell_safe(text)
    assert safe.startswith("'") or not safe.lstrip().startswith(FORMULA_PREFIXES)


def test_csv_round_trips_through_a_reader():
    body = "".join(csv_rows(["name", "note"], [["Acme, Inc.", "=1+1"], ["Bob", 'say "hi"']]))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [["name", "note"], ["Acme, Inc.", "'=1+1"], ["Bob", 'say "hi"']]
