"""Quote approval at the edge of its rules (issue 14, mutation testing): one discounted line is
enough to need approval, the threshold itself does not, and only someone other than the
requester who manages the deal's team (or an admin) approves."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import time_machine

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.quotes.models import QuoteStatus
from salesflow.quotes.selectors import quote_needs_approval, quote_settings
from salesflow.quotes.services import (
    quote_approval_decline,
    quote_approve,
    quote_send,
    quote_submit_for_approval,
    quote_update,
)
from salesflow.quotes.tests.factories import quote_with_lines
from tests.factories import DealFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_one_line_discounted_above_the_threshold_needs_approval_though_the_total_does_not(rep):
    # 20% off a 100 line next to an undiscounted 10,000 line: 0.2% off overall, but the line's
    # own discount is above the 15% threshold.
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[
            {"unit_price": D("10000"), "discount_percent": D("0")},
            {"unit_price": D("100"), "discount_percent": D("20")},
        ],
    )
    assert quote_settings().approval_discount_threshold == D("15")

    with pytest.raises(DomainError) as exc:
        quote_send(quote, acting_user=rep)

    assert exc.value.missing[0]["code"] == "quote_approval"
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT and quote.sent_at is None


def test_a_line_discount_equal_to_the_threshold_is_sent_without_approval(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[
            {"unit_price": D("10000"), "discount_percent": D("0")},
            {"unit_price": D("100"), "discount_percent": D("15")},
        ],
    )
    assert not quote_needs_approval(quote)

    quote_send(quote, acting_user=rep)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_a_quote_wide_discount_above_the_threshold_needs_approval(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": D("50")}]
    )
    quote_update(quote, acting_user=rep, discount_percent=D("16"))
    quote.refresh_from_db()

    with pytest.raises(DomainError):
        quote_send(quote, acting_user=rep)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


@pytest.fixture
def pending(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[{"unit_price": D("100"), "discount_percent": D("30")}],
    )
    quote_submit_for_approval(quote, acting_user=rep)
    return quote


def test_a_manager_of_a_team_above_the_deals_team_approves(rep, north, pending):
    region = TeamFactory(name="Region")
    north.parent = region
    north.save()
    regional_manager = UserFactory(role="manager", team=region)

    quote_approve(pending, acting_user=regional_manager)

    pending.refresh_from_db()
    assert (pending.status, pending.approved_by) == (QuoteStatus.APPROVED, regional_manager)


def test_nobody_outside_the_deals_team_line_declines_and_the_quote_stays_waiting(rep, pending):
    for user in (rep, UserFactory(role="manager", team=TeamFactory(name="South"))):
        with pytest.raises(AccessDenied):
            quote_approval_decline(pending, acting_user=user, note="no")
    pending.refresh_from_db()
    assert pending.status == QuoteStatus.PENDING_APPROVAL
    assert not pending.status_changes.filter(note="no").exists()


def test_a_manager_who_asked_may_not_decline_their_own_request(manager, pending):
    # The last request counts: the manager sends it for approval again after a decline.
    quote_approval_decline(pending, acting_user=manager, note="Lower it.")
    quote_submit_for_approval(pending, acting_user=manager)

    with pytest.raises(AccessDenied, match="You asked for this approval"):
        quote_approval_decline(pending, acting_user=manager)

    pending.refresh_from_db()
    assert pending.status == QuoteStatus.PENDING_APPROVAL


def test_the_requester_is_the_one_who_asked_for_this_quote_not_for_another(rep, manager):
    mine = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[{"unit_price": D("100"), "discount_percent": D("30")}],
    )
    quote_submit_for_approval(mine, acting_user=rep)
    # Later the manager asks for approval of a quote of their own.
    theirs = quote_with_lines(
        DealFactory(owner=manager), acting_user=manager,
        lines=[{"unit_price": D("100"), "discount_percent": D("30")}],
    )  # fmt: skip
    quote_submit_for_approval(theirs, acting_user=manager)

    quote_approve(mine, acting_user=manager)

    mine.refresh_from_db()
    assert (mine.status, mine.approved_by) == (QuoteStatus.APPROVED, manager)


def test_within_one_moment_the_latest_request_names_the_requester(rep, manager, admin_user):
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[{"unit_price": D("100"), "discount_percent": D("30")}],
    )
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        quote_submit_for_approval(quote, acting_user=manager)
        quote_approval_decline(quote, acting_user=admin_user, note="Ask the rep.")
        quote_submit_for_approval(quote, acting_user=rep)

        quote_approve(quote, acting_user=manager)  # the rep asked this time

    quote.refresh_from_db()
    assert (quote.status, quote.approved_by) == (QuoteStatus.APPROVED, manager)


def test_declining_a_quote_that_no_longer_waits_says_so(rep, manager, pending):
    quote_approval_decline(pending, acting_user=manager, note="Lower it.")

    with pytest.raises(DomainError, match="is not waiting for approval"):
        quote_approval_decline(pending, acting_user=manager, note="again")

    pending.refresh_from_db()
    assert pending.status == QuoteStatus.DRAFT
    assert not pending.status_changes.filter(note="again").exists()


def test_each_refusal_says_who_may_approve(rep, manager, pending):
    from django.contrib.auth.models import AnonymousUser

    from salesflow.quotes.services import quote_approval_refusal

    assert quote_approval_refusal(AnonymousUser(), pending) == "Sign in to approve quotes."
    assert quote_approval_refusal(rep, pending) == (
        "Only a manager of the deal's team or an admin may approve this quote."
    )
    assert quote_approval_refusal(manager, pending) is None
    quote_approval_decline(pending, acting_user=manager)
    quote_submit_for_approval(pending, acting_user=manager)
    assert quote_approval_refusal(manager, pending) == (
        "You asked for this approval: another manager of the team or an admin decides it."
    )
