from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.selectors import activities_agenda, activities_visible_to
from salesflow.activities.services import (
    activity_complete,
    activity_create,
    activity_delete,
    activity_update,
)
from salesflow.core.errors import ConflictError
from salesflow.leads.models import Lead
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


def test_teammates_private_note_on_my_deal_stays_private(rep, teammate, manager):
    # Private means its owner, the team's managers and admins, whatever it hangs on (issue 14).
    deal = DealFactory(owner=rep)
    note = ActivityFactory(owner=teammate, deal=deal, visibility="private", type="note")
    shared = ActivityFactory(owner=teammate, deal=deal, visibility="team", type="note")
    assert shared in activities_visible_to(rep) and note not in activities_visible_to(rep)
    assert note in activities_visible_to(manager) and note in activities_visible_to(teammate)


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


def test_a_new_activity_starts_at_version_one_and_each_change_bumps_it(rep):
    activity = ActivityFactory(owner=rep)
    assert activity.version == 1
    activity_update(activity, acting_user=rep, expected_version=1, subject="Call the CFO")
    activity_complete(activity, acting_user=rep, outcome="Reached")
    activity.refresh_from_db()
    assert (activity.subject, activity.outcome, activity.version) == ("Call the CFO", "Reached", 3)


def test_an_update_without_changes_keeps_the_version(rep):
    activity = ActivityFactory(owner=rep, subject="Call")
    activity_update(activity, acting_user=rep, expected_version=1, subject="Call")
    activity.refresh_from_db()
    assert activity.version == 1


def test_a_second_edit_from_the_same_version_is_refused_and_the_first_stays(rep, teammate):
    activity = ActivityFactory(owner=rep, subject="Call", outcome="")
    mine = Activity.objects.get(pk=activity.pk)
    theirs = Activity.objects.get(pk=activity.pk)
    activity_update(theirs, acting_user=teammate, expected_version=1, outcome="Voicemail")

    with pytest.raises(ConflictError, match="changed by someone else"):
        activity_update(mine, acting_user=rep, expected_version=1, subject="Mine")

    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.subject, stored.outcome, stored.version) == ("Call", "Voicemail", 2)


def test_an_edit_of_a_copy_read_before_another_change_is_refused_without_a_version(rep):
    activity = ActivityFactory(owner=rep, subject="Call")
    stale = Activity.objects.get(pk=activity.pk)
    activity_update(activity, acting_user=rep, outcome="Voicemail")

    with pytest.raises(ConflictError):
        activity_update(stale, acting_user=rep, subject="Stale")

    assert Activity.objects.get(pk=activity.pk).subject == "Call"


# Scoring: the seeded rules give +15 for a meeting held and +20 for a demo, halving every 30
# days since it happened.


def engaged_lead(rep):
    lead = LeadFactory(owner=rep)
    meeting = activity_create(
        acting_user=rep,
        type="meeting",
        subject="Kick-off",
        lead=lead,
        done_at=timezone.now(),
    )
    lead.refresh_from_db()
    assert "+15 Meeting held" in labels(lead)
    return lead, meeting


def labels(lead: Lead) -> list[str]:
    return [item["label"] for item in lead.score_breakdown]


def test_deleting_an_engagement_activity_drops_the_leads_score(rep):
    lead, meeting = engaged_lead(rep)
    before = lead.score

    activity_delete(meeting, acting_user=rep)

    lead.refresh_from_db()
    assert lead.score == before - 15
    assert "+15 Meeting held" not in labels(lead)


def test_changing_an_activitys_type_rescores_its_lead(rep):
    lead, meeting = engaged_lead(rep)
    before = lead.score

    activity_update(meeting, acting_user=rep, expected_version=1, type="demo")

    lead.refresh_from_db()
    assert lead.score == before - 15 + 20
    assert "+20 Demo requested" in labels(lead)
    assert "+15 Meeting held" not in labels(lead)


def test_moving_an_activitys_date_back_rescores_its_lead(rep):
    lead, meeting = engaged_lead(rep)
    before = lead.score

    activity_update(meeting, acting_user=rep, done_at=timezone.now() - dt.timedelta(days=20))

    lead.refresh_from_db()
    assert lead.score == before - 15 + 9  # 15 points faded for two thirds of a half-life
    assert "+9 Meeting held" in labels(lead)


def test_moving_an_activity_to_another_lead_rescores_both(rep):
    lead, meeting = engaged_lead(rep)
    other = LeadFactory(owner=rep)
    lead_before, other_before = lead.score, Lead.objects.get(pk=other.pk).score

    activity_update(meeting, acting_user=rep, lead=other)

    lead.refresh_from_db()
    other.refresh_from_db()
    assert (lead.score, other.score) == (lead_before - 15, other_before + 15)
