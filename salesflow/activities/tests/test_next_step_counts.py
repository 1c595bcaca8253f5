"""A deal's next-step columns follow its activities through every service, and hooks run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities import hooks, services
from salesflow.activities.models import Activity
from salesflow.activities.next_steps import deals_next_step_refresh_all
from salesflow.pipeline.models import Deal
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


def _fresh(deal):
    return Deal.objects.get(pk=deal.pk)


def test_next_step_follows_create_complete_move_and_delete(rep):
    deal, other = DealFactory(owner=rep), DealFactory(owner=rep)
    soon = timezone.now() + dt.timedelta(days=1)
    later = soon + dt.timedelta(days=3)

    first = services.activity_create(
        acting_user=rep, type="call", subject="Call back", deal=deal, due_at=later
    )
    services.activity_create(acting_user=rep, type="visit", subject="Visit", deal=deal, due_at=soon)
    assert (_fresh(deal).open_activity_count, _fresh(deal).next_activity_at) == (2, soon)

    services.activity_complete(_fresh_activity(first), acting_user=rep)
    assert (_fresh(deal).open_activity_count, _fresh(deal).next_activity_at) == (1, soon)

    visit = deal.activities.get(subject="Visit")
    services.activity_update(visit, acting_user=rep, deal=other)
    assert (_fresh(deal).open_activity_count, _fresh(deal).next_activity_at) == (0, None)
    assert (_fresh(other).open_activity_count, _fresh(other).next_activity_at) == (1, soon)

    services.activity_delete(other.activities.get(), acting_user=rep)
    assert _fresh(other).open_activity_count == 0


def _fresh_activity(activity):
    return type(activity).objects.get(pk=activity.pk)


def test_refresh_all_counts_bulk_loaded_activities(rep):
    deal = DealFactory(owner=rep)
    due = timezone.now() - dt.timedelta(days=2)
    Activity.objects.bulk_create(
        [
            ActivityFactory.build(owner=rep, deal=deal, due_at=due, done_at=None),
            ActivityFactory.build(owner=rep, deal=deal, due_at=None, done_at=timezone.now()),
        ]
    )
    assert _fresh(deal).open_activity_count == 0  # bulk loads bypass the services

    deals_next_step_refresh_all()

    assert (_fresh(deal).open_activity_count, _fresh(deal).next_activity_at) == (1, due)


def test_hooks_see_every_change_and_can_refuse_it(rep, monkeypatch):
    seen = []
    monkeypatch.setattr(hooks, "activity_changed_hooks", [])
    hooks.activity_changed_hook_register(
        lambda activity, acting_user, deleted: seen.append((activity.subject, deleted))
    )
    deal = DealFactory(owner=rep)
    activity = services.activity_create(acting_user=rep, type="call", subject="A", deal=deal)
    services.activity_delete(activity, acting_user=rep)
    assert seen == [("A", False), ("A", True)]

    def refuse(activity, acting_user, deleted):
        raise RuntimeError("no")

    hooks.activity_changed_hook_register(refuse)
    with pytest.raises(RuntimeError):
        services.activity_create(acting_user=rep, type="call", subject="B", deal=deal)
    assert not deal.activities.filter(subject="B").exists()
    assert _fresh(deal).open_activity_count == 0
