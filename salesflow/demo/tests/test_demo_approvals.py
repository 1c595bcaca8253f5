"""The demo's teams match its story: reps own the records and ask their manager to approve
their discounts; each manager finds their reps' quotes in Approvals and may decide them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from salesflow.customers.models import Account
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from salesflow.quotes.models import Quote, QuoteStatus
from salesflow.quotes.selectors import quote_approval_declined
from salesflow.quotes.selectors_approvals import quotes_awaiting_approval
from salesflow.quotes.services import quote_approval_refusal, quote_approve
from salesflow.users.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo():
    call_command("demo", "--scale", "0.02", stdout=io.StringIO())
    return {u.username: u for u in User.objects.all()}


def test_managers_own_no_accounts_deals_or_leads_their_reps_do(demo):
    managers = [u for u in demo.values() if u.role == Role.MANAGER]
    for model in (Account, Deal, Lead):
        assert not model.objects.filter(owner__in=managers).exists(), model
        assert model.objects.filter(owner__role=Role.REP).exists(), model


def test_each_manager_finds_their_reps_quotes_waiting_and_may_decide_them(demo):
    waiting = Quote.objects.filter(status=QuoteStatus.PENDING_APPROVAL).select_related("deal")
    assert waiting.count() == 4
    for name, reps in (("maria", {"rita", "rob"}), ("marco", {"sara", "sam"})):
        manager = demo[name]
        theirs = list(quotes_awaiting_approval(manager))
        assert len(theirs) == 2, name
        assert {q.deal.owner.username for q in theirs} <= reps, name
        assert all(quote_approval_refusal(manager, q) is None for q in theirs), name
    # Every waiting quote has a manager who may decide it, not only the admin.
    for quote in waiting:
        deciders = [u for u in demo.values() if quote_approval_refusal(u, quote) is None]
        assert {u.role for u in deciders} == {Role.MANAGER, Role.ADMIN}, quote

    quote = quotes_awaiting_approval(demo["marco"]).first()
    assert quote_approve(quote, acting_user=demo["marco"]).status == QuoteStatus.APPROVED


def test_a_declined_quote_shows_the_managers_reason(demo):
    declined = [quote_approval_declined(q) for q in Quote.objects.filter(status=QuoteStatus.DRAFT)]
    reasons = [d for d in declined if d is not None]
    assert len(reasons) == 2
    assert all(d.changed_by.role == Role.MANAGER and "at most" in d.note for d in reasons)
