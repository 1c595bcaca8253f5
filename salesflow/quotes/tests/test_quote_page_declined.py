"""The manager's decline on the quote page: read with the quote (`quote_get_for_user` joins the
quote's latest status change and its author), not by a query of its own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from conftest import client_for
from salesflow.quotes.models import Quote, QuoteStatus, QuoteStatusChange
from salesflow.quotes.selectors import quote_approval_declined, quote_get_for_user
from salesflow.quotes.services import quote_approval_decline, quote_submit_for_approval
from salesflow.quotes.tests.factories import quote_with_lines
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

# The quote page of a declined draft, for its rep (session, user, teams, the quote with its
# deal and latest change, lines, ...). One less than before the decline was read with the quote.
QUOTE_PAGE_QUERIES = 12


def _quote(rep):
    deal = DealFactory(owner=rep, name="Fleet rollout")
    lines = [{"description": "Trackers", "quantity": 10, "unit_price": Decimal("100"),
              "discount_percent": 30, "tax_rate": 0}]  # fmt: skip
    return quote_with_lines(deal, acting_user=rep, lines=lines)


def _declined(rep, manager, note="20% at most for this size"):
    quote = quote_submit_for_approval(_quote(rep), acting_user=rep)
    return quote_approval_decline(quote, acting_user=manager, note=note)


def _page(rep, quote) -> tuple[str, CaptureQueriesContext]:
    client = client_for(rep)
    client.get(reverse("quotes:quote-detail", args=[quote.pk]))  # the session's first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("quotes:quote-detail", args=[quote.pk]))
    assert response.status_code == 200
    return response.content.decode(), captured


def test_the_page_of_a_declined_draft_shows_who_declined_it_and_why(rep, manager):
    quote = _declined(rep, manager)
    content, captured = _page(rep, quote)
    change = QuoteStatusChange.objects.filter(quote=quote).latest("changed_at", "pk")
    day = date_format(timezone.localtime(change.changed_at), "j M Y")
    assert f"Approval declined by {manager} on {day}: “20% at most for this size”" in content
    assert len(captured) == QUOTE_PAGE_QUERIES
    # The decline came with the quote: no query reads the status changes on their own.
    assert [sql for sql in _main_tables(captured) if sql == '"quotes_quotestatuschange"'] == []


def _main_tables(captured: CaptureQueriesContext) -> list[str]:
    """The table each captured SELECT reads from (its first FROM)."""
    return [
        query["sql"].split(" FROM ", 1)[1].split()[0]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and " FROM " in query["sql"]
    ]


@pytest.mark.parametrize(
    "state", ["declined", "declined, then submitted again", "never submitted", "withdrawn"]
)
def test_the_decline_read_with_the_quote_is_the_decline_read_alone(rep, manager, state):
    """`quote_approval_declined` gives the same answer for a quote from `quote_get_for_user`
    (its latest change joined) as for a quote read alone (one query more)."""
    if state == "never submitted":
        quote = _quote(rep)
    elif state == "withdrawn":
        quote = quote_submit_for_approval(_quote(rep), acting_user=rep)
        QuoteStatusChange.objects.create(
            quote=quote, from_status=QuoteStatus.PENDING_APPROVAL, to_status=QuoteStatus.DRAFT,
            changed_at=timezone.now(), changed_by=rep, note="withdrawn",
        )  # fmt: skip
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.DRAFT)
    else:
        quote = _declined(rep, manager, note="Too deep")
        if state != "declined":
            quote = quote_submit_for_approval(quote, acting_user=rep)
    alone = quote_approval_declined(Quote.objects.get(pk=quote.pk))
    read = quote_get_for_user(rep, quote.pk)
    with CaptureQueriesContext(connection) as captured:
        folded = quote_approval_declined(read)
    assert len(captured) == 0
    assert (folded and folded.pk, folded and folded.note) == (
        alone and alone.pk,
        alone and alone.note,
    )
    if folded:
        assert str(folded.changed_by) == str(alone.changed_by)
    assert (alone is not None) is (state in ("declined", "withdrawn"))
