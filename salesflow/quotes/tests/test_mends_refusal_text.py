"""A refusal says each sentence once, with one final full stop (issue 12)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from salesflow.core.errors import DomainError
from salesflow.core.views import error_text
from salesflow.quotes.models import Quote
from salesflow.quotes.services import quote_create
from tests.factories import DealFactory, stage_named


@pytest.fixture
def draft(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    return quote_create(deal, acting_user=rep)


def test_sending_an_empty_quote_says_add_a_line_once(rep_client, draft):
    url = reverse("quotes:quote-send", args=[draft.pk])
    response = rep_client.post(url, {"version": draft.version}, follow=True)
    text = html.unescape(response.content.decode())
    assert text.count("Add at least one line") == 1
    assert "Add at least one line before sending the quote." in text
    assert ".." not in text.split("Add at least one line", 1)[1][:60]
    assert Quote.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize(
    ("message", "missing", "expected"),
    [
        (
            "Add at least one line before sending the quote.",
            ["Add at least one line."],
            "Add at least one line before sending the quote.",
        ),
        (
            "This deal cannot leave Qualification yet.",
            ["Fill in the amount.", "BANT: record the need."],
            "This deal cannot leave Qualification yet. Missing: Fill in the amount; "
            "BANT: record the need.",
        ),
        (
            "Refused",
            ["Fill in the amount.", "Fill in the amount."],
            "Refused. Missing: Fill in the amount.",
        ),
    ],
)
def test_error_text_never_repeats_and_ends_with_one_full_stop(message, missing, expected):
    error = DomainError(message, missing=[{"code": "x", "message": m} for m in missing])
    assert error_text(error) == expected
