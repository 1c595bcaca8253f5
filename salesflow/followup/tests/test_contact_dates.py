"""Last contact and next contact due, kept true by the activity services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities import services as activity_services
from salesflow.customers.models import Account
from salesflow.customers.services import account_create
from salesflow.followup.services import (
    accounts_last_contact_refresh_all,
    last_contacts,
)
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def at(days_ago: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def fresh(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)


def test_a_new_account_is_due_its_tier_cadence_after_its_creation(rep):
    account = account_create(acting_user=rep, name="Bolt Bikes", tier="B")

    assert account.last_contact_at is None
    assert fresh(account).next_contact_due_on == timezone.localdate() + dt.timedelta(days=30)


def test_a_completed_call_on_a_deal_sets_the_accounts_last_contact_and_next_due(rep):
    deal = DealFactory(owner=rep)
    call = activity_services.activity_create(
        acting_user=rep, type="call", subject="Check in", deal=deal
    )
    assert fresh(deal.account).last_contact_at is None  # planned, not done

    done = at(3)
    activity_services.activity_complete(call, acting_user=rep, at=done)

    account = fresh(deal.account)
    assert account.last_contact_at == done
    assert account.next_contact_due_on == timezone.localdate(done) + dt.timedelta(days=30)


def test_contact_through_one_of_the_accounts_contacts_counts(rep):
    account = AccountFactory(owner=rep, tier="A")
    person = ContactFactory(owner=rep, account=account)
    activity_services.activity_create(
        acting_user=rep, type="visit", subject="Visit", contact=person, done_at=at(2)
    )

    assert fresh(account).next_contact_due_on == timezone.localdate(at(2)) + dt.timedelta(days=14)


@pytest.mark.parametrize("kind", ["note", "task"])
def test_notes_and_tasks_are_not_contact(rep, kind):
    account = AccountFactory(owner=rep)
    activity_services.activity_create(
        acting_user=rep, type=kind, subject="Internal", account=account, done_at=at(1)
    )

    assert fresh(account).last_contact_at is None


def test_the_latest_of_several_contacts_wins_and_deleting_it_falls_back(rep):
    account = AccountFactory(owner=rep)
    activity_services.activity_create(
        acting_user=rep, type="email", subject="Old", account=account, done_at=at(20)
    )
    latest = activity_services.activity_create(
        acting_user=rep, type="meeting", subject="New", account=account, done_at=at(5)
    )
    assert timezone.localdate(fresh(account).last_contact_at) == timezone.localdate(at(5))

    activity_services.activity_delete(latest, acting_user=rep)

    account = fresh(account)
    assert timezone.localdate(account.last_contact_at) == timezone.localdate(at(20))
    assert account.next_contact_due_on == timezone.localdate(at(20)) + dt.timedelta(days=30)


def test_changing_the_tier_moves_the_next_contact_due(rep):
    from salesflow.customers.services import account_update

    account = account_create(acting_user=rep, name="Acme", tier="B")
    account_update(account, acting_user=rep, tier="C")

    assert fresh(account).next_contact_due_on == timezone.localdate() + dt.timedelta(days=60)


def test_recompute_all_after_a_bulk_load_matches_the_hook(rep):
    account = AccountFactory(owner=rep)
    other = AccountFactory(owner=rep)
    # Written around the services, as the demo and imports do in bulk.
    ActivityFactory(owner=rep, deal=None, account=account, type="demo", done_at=at(4))
    assert fresh(account).last_contact_at is None

    changed = accounts_last_contact_refresh_all()

    assert changed == 2  # both get a next contact due; one also a last contact
    assert timezone.localdate(fresh(account).last_contact_at) == timezone.localdate(at(4))
    assert fresh(other).last_contact_at is None
    assert fresh(other).next_contact_due_on is not None


def test_last_contacts_are_aggregated_in_a_few_queries(rep, django_assert_max_num_queries):
    accounts = AccountFactory.create_batch(5, owner=rep)
    for account in accounts:
        deal = DealFactory(owner=rep, account=account)
        ActivityFactory(owner=rep, deal=deal, type="call", done_at=at(1))
        ActivityFactory(owner=rep, deal=None, account=account, type="email", done_at=at(2))

    with django_assert_max_num_queries(3):
        found = last_contacts([a.pk for a in accounts])

    assert set(found) == {a.pk for a in accounts}


@pytest.mark.parametrize("earlier", [1, 20])
def test_recording_a_contact_costs_the_same_few_queries_however_many_activities(
    rep, earlier, django_assert_max_num_queries
):
    account = AccountFactory(owner=rep)
    for _ in range(earlier):
        ActivityFactory(owner=rep, deal=None, account=account, type="call", done_at=at(9))
    activity = ActivityFactory(owner=rep, deal=None, account=account, type="call")

    # The completion itself, then six for the contact dates (three grouped maxima, the
    # cadences, the account, one update).
    with django_assert_max_num_queries(19):
        activity_services.activity_complete(activity, acting_user=rep)
