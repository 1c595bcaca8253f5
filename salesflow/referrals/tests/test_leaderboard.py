"""Who refers the most, counted over what the viewer may read, aggregated in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import client_for
from salesflow.pipeline.models import Outcome
from salesflow.referrals.models import Referral
from salesflow.referrals.selectors import referrer_summary, referrers_leaderboard
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def refer(referrer=None, *, account_referrer=None, **target):
    return Referral.objects.create(
        referrer_contact=referrer, referrer_account=account_referrer,
        referred_on=timezone.localdate(), **target,
    )  # fmt: skip


def won(owner, amount, **kwargs):
    return DealFactory(
        owner=owner, outcome=Outcome.WON, amount=amount, closed_at=timezone.now(), **kwargs
    )


@pytest.fixture
def referrers(rep, outsider):
    """Ada: three referrals (a won deal, a lead converted into a won deal, an open deal);
    Bob: one referral, not converted; a partner account: one won deal; and a referral Ada made
    to a private deal of another team."""
    ada = ContactFactory(owner=rep, first_name="Ada", last_name="Byron")
    bob = ContactFactory(owner=rep, first_name="Bob", last_name="Kahn")
    partner = AccountFactory(owner=rep, name="Partner Co")
    refer(ada, deal=won(rep, 1000))
    lead = LeadFactory(owner=rep)
    won(rep, 500, lead=lead)
    refer(ada, lead=lead)
    refer(ada, deal=DealFactory(owner=rep))
    refer(bob, lead=LeadFactory(owner=rep))
    refer(account_referrer=partner, deal=won(rep, 2000))
    hidden = won(outsider, 9999, visibility=Visibility.PRIVATE)
    refer(ada, deal=hidden)
    return ada, bob, partner


@pytest.mark.usefixtures("referrers")
def test_referrers_are_ranked_by_referrals_then_won_amount(rep):
    rows = referrers_leaderboard(rep)
    assert [(r.name, r.made, r.converted, r.won_count, r.won_amount) for r in rows] == [
        ("Ada Byron", 3, 3, 2, Decimal("1500.00")),
        ("Partner Co", 1, 1, 1, Decimal("2000.00")),
        ("Bob Kahn", 1, 0, 0, Decimal("0.00")),
    ]


def test_the_other_teams_deal_counts_for_those_who_may_read_it(admin_user, outsider, referrers):
    ada = referrers[0]
    row = next(r for r in referrers_leaderboard(admin_user) if r.contact == ada)
    assert (row.made, row.won_count, row.won_amount) == (4, 3, Decimal("11499.00"))
    # The other team sees none of Ada's referrals: they may read neither Ada nor her targets.
    assert referrers_leaderboard(outsider) == []


def test_the_contact_summary_counts_what_the_viewer_may_read(rep, referrers):
    summary = referrer_summary(rep, referrers[0])
    assert (summary.made, summary.converted, summary.won_count) == (3, 3, 2)
    assert summary.won_amount == Decimal("1500.00")


def test_the_leaderboard_page_shows_the_ranking(rep, referrers):
    body = client_for(rep).get("/referrals/").content.decode()
    assert body.index("Ada Byron") < body.index("Partner Co") < body.index("Bob Kahn")
    assert "EUR 1,500" in body and "9,999" not in body


def test_the_leaderboard_costs_the_same_queries_for_many_referrals(
    rep, django_assert_max_num_queries
):
    for n in range(30):
        happy = ContactFactory(owner=rep)
        refer(happy, deal=won(rep, 100 + n))
        refer(happy, lead=LeadFactory(owner=rep))
    client = client_for(rep)
    with django_assert_max_num_queries(12):
        response = client.get("/referrals/")
    assert response.content.decode().count('<th scope="row">') == 30
