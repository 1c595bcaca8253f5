from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.activities.selectors import activities_agenda, activities_visible_to
from salesflow.activities.services import activity_complete, activity_create
from tests.factories import ActivityFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_activity_on_a_deal_is_also_on_its_account(rep):
    deal = DealFactory(owner=rep)
    activity = activity_create(acting_user=rep, type="call", subject="Intro call", deal=deal)
    assert activity.account == deal.account


def test_activity_needs_a_record_to_hang_on(rep):
    with pytest.raises(ValidationError):
        activity_create(acting_user=rep, type="note", subject="Floating")


def test_cannot_log_an_activity_on_a_record_one_cannot_see(rep, outsider):
    foreign_lead = LeadFactory(owner=outsider)
    with pytest.raises(ValidationError) as exc:
        activity_create(acting_user=rep, type="call", subject="Sneaky", lead=foreign_lead)
    assert "lead" in exc.value.message_dict


def test_teammates_private_note_on_my_deal_shows_in_my_timeline(rep, teammate):
    deal = DealFactory(owner=rep)
    note = ActivityFactory(owner=teammate, deal=deal, visibility="private", type="note")
    assert note in activities_visible_to(rep)


def test_my_day_splits_overdue_and_today_and_hides_done(rep):
    now = timezone.now().replace(hour=12)
    overdue = ActivityFactory(owner=rep, due_at=now - dt.timedelta(days=2))
    today = ActivityFactory(owner=rep, due_at=now)
    done = ActivityFactory(owner=rep, due_at=now)
    activity_complete(done, acting_user=rep, outcome="Reached", at=now)
    agenda = activities_agenda(rep, now=now)
    assert list(agenda["overdue"]) == [overdue]
    assert list(agenda["today"]) == [today]


def test_completing_twice_is_refused(rep):
    activity = ActivityFactory(owner=rep)
    activity_complete(activity, acting_user=rep)
    with pytest.raises(ValidationError):
        activity_complete(activity, acting_user=rep)
