"""Open deals whose expected close has passed are marked "overdue since <date>" on My day, the
deal list and the deal page (issue 12)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(rep):
    close_on = timezone.localdate() - dt.timedelta(days=3)
    return DealFactory(owner=rep, name="Late fleet", expected_close_on=close_on)


@pytest.fixture
def on_time(rep):
    close_on = timezone.localdate() + dt.timedelta(days=3)
    return DealFactory(owner=rep, name="On time", expected_close_on=close_on)


def mark(deal) -> str:
    return f"overdue since {date_format(deal.expected_close_on, 'j M Y')}"


@pytest.mark.parametrize("page", ["pages:dashboard", "pipeline:deal-list"])
def test_lists_mark_an_open_deal_past_its_expected_close(rep_client, late, on_time, page):
    content = html.unescape(rep_client.get(reverse(page)).content.decode())
    assert "Late fleet" in content and "On time" in content
    # My day lists the deal twice (stage card, no next step): each list marks it.
    expected = 2 if page == "pages:dashboard" else 1
    assert content.count(mark(late)) == expected
    assert content.count("overdue since") == expected


def test_the_deal_page_marks_it(rep_client, late, on_time):
    content = html.unescape(rep_client.get(late.get_absolute_url()).content.decode())
    assert mark(late) in content
    content = html.unescape(rep_client.get(on_time.get_absolute_url()).content.decode())
    assert "overdue since" not in content


def test_a_closed_deal_is_not_overdue(rep_client, rep):
    close_on = timezone.localdate() - dt.timedelta(days=3)
    deal = DealFactory(
        owner=rep, expected_close_on=close_on, outcome="won", closed_at=timezone.now()
    )
    content = html.unescape(rep_client.get(deal.get_absolute_url()).content.decode())
    assert "overdue since" not in content
