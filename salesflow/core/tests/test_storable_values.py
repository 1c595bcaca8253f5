"""Every form refuses what no database can hold, on the field that holds it (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from salesflow.core.forms import ActionForm
from salesflow.core.validation import moment_problem, text_problem, value_problems


class FollowUpForm(ActionForm):
    subject = forms.CharField(required=False)
    due_at = forms.DateTimeField(required=False)
    due_on = forms.DateField(required=False)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"due_at": "0001-01-01 00:00"}, "due_at"),
        ({"due_at": "9999-12-31 23:00"}, "due_at"),
        ({"due_on": "1899-12-31"}, "due_on"),
        ({"due_on": "2200-01-01"}, "due_on"),
        ({"subject": "Call\ud800"}, "subject"),
    ],
)
def test_a_value_no_database_can_hold_is_an_error_on_its_field(data, field):
    form = FollowUpForm(data)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_dates_inside_the_range_are_fine():
    form = FollowUpForm({"due_at": "2199-12-31 23:00", "due_on": "1900-01-01", "subject": "Call"})
    assert form.is_valid(), form.errors


def test_the_rules_name_what_is_wrong():
    assert "NUL" in text_problem("a\x00b")
    assert "surrogate" in text_problem("a\udfffb")
    assert text_problem("Zoë 😀") is None
    assert moment_problem(dt.date(1900, 1, 1)) is None
    assert "1900 and 2199" in moment_problem(dt.datetime(9999, 1, 1, tzinfo=dt.UTC))
    assert list(value_problems({"tags": ["ok", "b\x00d"]}, "custom")) == [
        ("custom.tags[1]", "contains a NUL character (\\x00), which cannot be stored.")
    ]
