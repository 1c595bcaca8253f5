from __future__ import annotations

import datetime as dt

import pytest

from salesflow.activities.selectors import activities_filtered
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)


def subjects(queryset) -> list[str]:
    return [activity.subject for activity in queryset]


def test_search_looks_in_the_subject_and_the_notes(rep):
    ActivityFactory(owner=rep, subject="Send the proposal")
    ActivityFactory(owner=rep, subject="Call", body="Ask about the PROPOSAL deadline")
    ActivityFactory(owner=rep, subject="Lunch")

    assert sorted(subjects(activities_filtered(rep, q="proposal"))) == [
        "Call",
        "Send the proposal",
    ]


def test_state_splits_open_overdue_and_done(rep):
    ActivityFactory(owner=rep, subject="Overdue", due_at=NOW - dt.timedelta(days=1))
    ActivityFactory(owner=rep, subject="Later", due_at=NOW + dt.timedelta(days=1))
    ActivityFactory(owner=rep, subject="Done", due_at=NOW - dt.timedelta(days=1), done_at=NOW)

    assert subjects(activities_filtered(rep, state="open", now=NOW)) == ["Overdue", "Later"]
    assert subjects(activities_filtered(rep, state="overdue", now=NOW)) == ["Overdue"]
    assert subjects(activities_filtered(rep, state="done", now=NOW)) == ["Done"]
    assert len(activities_filtered(rep, state="", now=NOW)) == 3


def test_other_filters_are_fields_of_the_activity(rep, teammate):
    ActivityFactory(owner=rep, type="call", subject="My call")
    ActivityFactory(owner=rep, type="email", subject="My email")
    ActivityFactory(owner=teammate, type="call", subject="Their call")

    assert subjects(activities_filtered(rep, type="call", owner=rep)) == ["My call"]
    assert sorted(subjects(activities_filtered(rep, type="call"))) == ["My call", "Their call"]


def test_open_ones_come_first_soonest_due_first_and_undated_last(rep):
    ActivityFactory(owner=rep, subject="Done", done_at=NOW)
    ActivityFactory(owner=rep, subject="Some day")
    ActivityFactory(owner=rep, subject="Next week", due_at=NOW + dt.timedelta(days=7))
    ActivityFactory(owner=rep, subject="Tomorrow", due_at=NOW + dt.timedelta(days=1))

    assert subjects(activities_filtered(rep)) == ["Tomorrow", "Next week", "Some day", "Done"]


def test_filters_never_reach_activities_the_user_may_not_read(rep, teammate, outsider):
    ActivityFactory(owner=outsider, subject="Their proposal call")
    their_private_deal = DealFactory(owner=teammate, visibility="private")
    ActivityFactory(
        owner=teammate,
        deal=their_private_deal,
        subject="Private proposal note",
        visibility="private",
    )
    my_deal = DealFactory(owner=rep)
    ActivityFactory(
        owner=teammate, deal=my_deal, subject="Proposal note on my deal", visibility="private"
    )

    found = subjects(activities_filtered(rep, q="proposal", owner=teammate))

    # Private is private whatever it hangs on, even the reader's own deal (issue 14).
    assert found == []
    assert subjects(activities_filtered(outsider, q="proposal")) == ["Their proposal call"]


def test_a_private_activity_stays_private_on_a_deal_everyone_may_read(
    rep, teammate, outsider, manager, admin_user, client
):
    from salesflow.activities.selectors import activities_visible_to
    from salesflow.users.models import Visibility

    deal = DealFactory(owner=rep, visibility=Visibility.EVERYONE)
    ActivityFactory(owner=rep, deal=deal, subject="Shared call", visibility=Visibility.TEAM)
    ActivityFactory(owner=rep, deal=deal, subject="Salary talk", visibility=Visibility.PRIVATE)

    assert sorted(subjects(activities_visible_to(rep))) == ["Salary talk", "Shared call"]
    assert sorted(subjects(activities_visible_to(manager).filter(deal=deal))) == [
        "Salary talk",
        "Shared call",
    ]
    assert sorted(subjects(activities_visible_to(admin_user).filter(deal=deal))) == [
        "Salary talk",
        "Shared call",
    ]
    for reader in (teammate, outsider):
        assert subjects(activities_visible_to(reader).filter(deal=deal)) == ["Shared call"]
    # The deal page a teammate opens shows the shared activity and not the private one.
    client.force_login(outsider)
    page = client.get(deal.get_absolute_url())
    assert b"Shared call" in page.content and b"Salary talk" not in page.content
