"""Tier rules: aggregated in the database, never over a tier set by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.customers.models import Account, TierLevel
from salesflow.customers.services import account_create, account_update
from salesflow.followup.models import RuleMetric, TierRule
from salesflow.followup.services import months_before, tier_rules_apply
from salesflow.pipeline.models import Outcome
from tests.factories import AccountFactory, DealFactory

pytestmark = pytest.mark.django_db


def rule(code: str, metric: str, threshold: int, **extra) -> TierRule:
    return TierRule.objects.create(
        tier=TierLevel.objects.get(code=code), metric=metric, threshold=threshold, **extra
    )


def won(account: Account, amount: int, days_ago: int) -> None:
    closed = timezone.now() - dt.timedelta(days=days_ago)
    DealFactory(
        owner=account.owner,
        account=account,
        amount=amount,
        outcome=Outcome.WON,
        closed_at=closed,
        closed_on=closed.date(),
    )


def tier_of(account: Account) -> str:
    return Account.objects.get(pk=account.pk).tier


def test_without_an_active_rule_nothing_changes(rep):
    account = AccountFactory(owner=rep, tier="B")
    rule("A", RuleMetric.ANNUAL_REVENUE, 10, is_active=False)

    assert tier_rules_apply() == {}
    assert tier_of(account) == "B"


def test_won_revenue_or_annual_revenue_makes_a_key_account_else_the_lowest_tier(rep):
    rule("A", RuleMetric.WON_REVENUE, 100_000, months=12)
    rule("A", RuleMetric.ANNUAL_REVENUE, 50_000_000)
    big_buyer = AccountFactory(owner=rep, tier="C")
    won(big_buyer, 60_000, days_ago=30)
    won(big_buyer, 50_000, days_ago=200)
    old_buyer = AccountFactory(owner=rep, tier="A")
    won(old_buyer, 500_000, days_ago=400)  # outside the 12 months
    giant = AccountFactory(owner=rep, tier="B", annual_revenue=80_000_000)

    moved = tier_rules_apply()

    assert (tier_of(big_buyer), tier_of(old_buyer), tier_of(giant)) == ("A", "C", "A")
    assert moved == {"A": 2, "C": 1}


def test_the_top_tier_wins_when_an_account_meets_rules_of_two(rep):
    rule("B", RuleMetric.OPEN_PIPELINE, 10_000)
    rule("A", RuleMetric.OPEN_PIPELINE, 20_000)
    account = AccountFactory(owner=rep, tier="C")
    DealFactory(owner=rep, account=account, amount=15_000)
    DealFactory(owner=rep, account=account, amount=15_000)
    middling = AccountFactory(owner=rep, tier="C")
    DealFactory(owner=rep, account=middling, amount=12_000)

    tier_rules_apply()

    assert (tier_of(account), tier_of(middling)) == ("A", "B")


def test_a_tier_set_by_hand_is_never_changed(rep):
    rule("A", RuleMetric.ANNUAL_REVENUE, 1)
    account = account_create(acting_user=rep, name="Acme", tier="C", annual_revenue=5)
    assert account.tier_by_hand

    tier_rules_apply()

    assert tier_of(account) == "C"


def test_changing_the_revenue_applies_the_rules_at_once(rep):
    rule("A", RuleMetric.ANNUAL_REVENUE, 1_000_000)
    account = account_create(acting_user=rep, name="Acme")
    assert tier_of(account) == "C"

    account_update(account, acting_user=rep, annual_revenue=2_000_000)

    account = Account.objects.get(pk=account.pk)
    assert account.tier == "A"
    assert account.next_contact_due_on == timezone.localdate() + dt.timedelta(days=14)


@pytest.mark.parametrize("accounts", [2, 8])
def test_rules_cost_a_query_per_rule_however_many_accounts_and_deals(
    rep, accounts, django_assert_max_num_queries
):
    rule("A", RuleMetric.WON_REVENUE, 100)
    rule("B", RuleMetric.OPEN_PIPELINE, 100)
    for _ in range(accounts):
        account = AccountFactory(owner=rep, tier="C")
        DealFactory(owner=rep, account=account, amount=500)
        won(account, 500, days_ago=5)

    with django_assert_max_num_queries(13):
        tier_rules_apply()

    assert set(Account.objects.values_list("tier", flat=True)) == {"A"}


def test_months_before_keeps_the_day_or_the_months_last():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)


def test_an_account_form_opened_before_the_rules_moved_its_tier_is_refused(rep):
    from salesflow.core.errors import ConflictError

    account = AccountFactory(owner=rep, tier="C", annual_revenue=500)
    opened = Account.objects.get(pk=account.pk).version
    rule("A", RuleMetric.ANNUAL_REVENUE, 100)
    tier_rules_apply()

    # The other tab still shows tier C: saving it would pin the old tier by hand.
    with pytest.raises(ConflictError):
        account_update(
            Account.objects.get(pk=account.pk), acting_user=rep, expected_version=opened, tier="C"
        )

    stored = Account.objects.get(pk=account.pk)
    assert (stored.tier, stored.tier_by_hand) == ("A", False)


def test_rules_set_every_account_by_its_own_facts_in_one_pass(rep):
    rule("A", RuleMetric.ANNUAL_REVENUE, 1000)
    rule("B", RuleMetric.OPEN_PIPELINE, 100)
    key = AccountFactory(owner=rep, tier="C", annual_revenue=5000)
    both = AccountFactory(owner=rep, tier="C", annual_revenue=5000)
    DealFactory(owner=rep, account=both, amount=500)
    growing = AccountFactory(owner=rep, tier="A")
    DealFactory(owner=rep, account=growing, amount=500)
    small = AccountFactory(owner=rep, tier="A")

    moved = tier_rules_apply()

    assert [tier_of(a) for a in (key, both, growing, small)] == ["A", "A", "B", "C"]
    assert moved == {"A": 2, "B": 1, "C": 1}
