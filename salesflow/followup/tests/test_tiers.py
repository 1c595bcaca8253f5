"""Configurable tiers: seeded A/B/C, checked by the services, set by hand or by the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.customers.forms import AccountForm
from salesflow.customers.models import Account, TierLevel, active_tiers
from salesflow.customers.services import (
    account_create,
    account_update,
    tier_create,
    tier_move,
    tier_update,
)
from salesflow.imports.values import choice_of
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_three_tiers_are_seeded_with_their_cadence():
    rows = TierLevel.objects.order_by("position").values_list(
        "code", "contact_every_days", "channel"
    )
    assert list(rows) == [("A", 14, "visit"), ("B", 30, "call"), ("C", 60, "email")]


def test_an_admin_adds_a_tier_and_accounts_forms_and_imports_offer_it(admin_user, rep):
    tier_create(acting_user=admin_user, code="P", name="Platinum", contact_every_days=7)

    assert "P" in active_tiers.values
    assert ("P", "Platinum") in AccountForm(user=rep).fields["tier"].choices
    assert choice_of(active_tiers, "platinum") == "P"
    account = account_create(acting_user=rep, name="Acme", tier="P")
    assert account.next_contact_due_on == timezone.localdate() + dt.timedelta(days=7)


def test_a_rep_may_not_add_or_change_tiers(rep):
    with pytest.raises(AccessDenied):
        tier_create(acting_user=rep, code="P", name="Platinum")
    tier = TierLevel.objects.get(code="A")
    with pytest.raises(AccessDenied):
        tier_update(tier, acting_user=rep, contact_every_days=1)
    assert TierLevel.objects.get(code="A").contact_every_days == 14


def test_an_unknown_or_retired_tier_is_refused_naming_the_field(admin_user, rep):
    with pytest.raises(ValidationError) as error:
        account_create(acting_user=rep, name="Acme", tier="Z")
    assert "tier" in error.value.message_dict

    tier_update(TierLevel.objects.get(code="C"), acting_user=admin_user, is_active=False)
    with pytest.raises(ValidationError):
        account_create(acting_user=rep, name="Acme", tier="C")
    assert not Account.objects.exists()


def test_an_account_keeps_its_retired_tier_when_saved(admin_user, rep):
    account = account_create(acting_user=rep, name="Acme", tier="C")
    tier_update(TierLevel.objects.get(code="C"), acting_user=admin_user, is_active=False)

    account_update(account, acting_user=rep, region="Nordics")

    assert Account.objects.get(pk=account.pk).tier == "C"


def test_the_last_active_tier_cannot_be_retired(admin_user):
    for code in ("A", "B"):
        tier_update(TierLevel.objects.get(code=code), acting_user=admin_user, is_active=False)
    with pytest.raises(ValidationError) as error:
        tier_update(TierLevel.objects.get(code="C"), acting_user=admin_user, is_active=False)
    assert "is_active" in error.value.message_dict
    assert TierLevel.objects.get(code="C").is_active


def test_a_new_cadence_moves_the_next_contact_due_of_the_tiers_accounts(admin_user, rep):
    account = account_create(acting_user=rep, name="Acme", tier="B")
    other = account_create(acting_user=rep, name="Bolt", tier="C")

    tier_update(TierLevel.objects.get(code="B"), acting_user=admin_user, contact_every_days=10)

    assert Account.objects.get(pk=account.pk).next_contact_due_on == (
        timezone.localdate() + dt.timedelta(days=10)
    )
    assert Account.objects.get(pk=other.pk).next_contact_due_on == (
        timezone.localdate() + dt.timedelta(days=60)
    )


def test_a_tier_code_in_use_cannot_change(admin_user, rep):
    AccountFactory(owner=rep, tier="B")
    with pytest.raises(ValidationError) as error:
        tier_update(TierLevel.objects.get(code="B"), acting_user=admin_user, code="Silver")
    assert "code" in error.value.message_dict
    assert TierLevel.objects.filter(code="B").exists()


def test_tiers_move_up_and_down(admin_user):
    tier_move(TierLevel.objects.get(code="C"), acting_user=admin_user, direction="up")

    assert list(TierLevel.objects.order_by("position").values_list("code", flat=True)) == [
        "A",
        "C",
        "B",
    ]


def test_choosing_a_tier_sets_it_by_hand_and_by_the_rules_hands_it_back(rep):
    account = account_create(acting_user=rep, name="Acme")
    assert (account.tier, account.tier_by_hand) == ("C", False)  # the lowest tier, by the rules

    account_update(account, acting_user=rep, tier="A")
    assert Account.objects.get(pk=account.pk).tier_by_hand

    account_update(account, acting_user=rep, tier_by_hand=False)
    assert not Account.objects.get(pk=account.pk).tier_by_hand


def test_the_account_form_offers_by_the_rules_and_hands_back(rep):
    account = account_create(acting_user=rep, name="Acme", tier="A")
    data = {
        "name": "Acme",
        "tier": "",
        "visibility": "team",
        "owner": rep.pk,
        "version": account.version,
        "currency": "EUR",
    }
    form = AccountForm(data, user=rep, record=account)

    assert form.is_valid(), form.errors
    assert form.changes() == {"tier_by_hand": False}


def test_reports_name_tiers_by_their_current_name(admin_user):
    from salesflow.analytics.reports.win_rates import GROUPS

    tier_update(TierLevel.objects.get(code="B"), acting_user=admin_user, name="Growth")

    assert GROUPS["tier"].labels(["B"])["B"] == "Growth"
