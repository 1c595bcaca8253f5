"""Follow-up pages: due for contact, the account list and page, reminders, calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from conftest import client_for
from salesflow.customers.models import Account
from salesflow.followup.models import CalendarFeed
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


def due(owner, name: str, days: int, **extra) -> Account:
    """An account whose next contact is `days` from today (negative: overdue)."""
    account = AccountFactory(owner=owner, name=name, **extra)
    Account.objects.filter(pk=account.pk).update(
        next_contact_due_on=timezone.localdate() + dt.timedelta(days=days)
    )
    return account


def names(response) -> list[str]:
    return [account.name for account in response.context["page_obj"]]


def test_due_lists_my_accounts_overdue_first_then_due_within_a_week(rep_client, rep, teammate):
    due(rep, "Soon Co", 3)
    due(rep, "Late Co", -5)
    due(rep, "Later Co", 20)
    due(teammate, "Their Co", -1)

    response = rep_client.get(reverse("followup:due"))

    assert names(response) == ["Late Co", "Soon Co"]
    assert "Overdue" in response.content.decode()


def test_my_team_shows_the_teams_accounts_but_not_other_teams(rep_client, rep, teammate, outsider):
    due(rep, "Mine", -1)
    due(teammate, "Teammates", -1)
    due(outsider, "Elsewhere", -1, visibility="everyone")

    response = rep_client.get(reverse("followup:due"), {"scope": "team"})

    assert sorted(names(response)) == ["Mine", "Teammates"]


def test_a_manager_chooses_a_rep_and_a_rep_cannot(rep, teammate, manager, rep_client):
    due(rep, "Reps", -1)
    due(teammate, "Teammates", -1)
    query = {"scope": "rep", "rep": teammate.pk}

    assert names(client_for(manager).get(reverse("followup:due"), query)) == ["Teammates"]
    assert names(rep_client.get(reverse("followup:due"), query)) == ["Reps"]


@pytest.mark.parametrize("rows", [3, 25])
def test_due_page_queries_do_not_grow(rep_client, rep, rows, django_assert_max_num_queries):
    for n in range(rows):
        due(rep, f"Account {n}", -n)
    with django_assert_max_num_queries(8):
        assert rep_client.get(reverse("followup:due")).status_code == 200


def test_account_list_shows_contact_columns_and_filters_overdue(rep_client, rep):
    due(rep, "Late Co", -2)
    due(rep, "Fine Co", 30)

    response = rep_client.get(reverse("customers:account-list"), {"contact": "overdue"})

    assert [a.name for a in response.context["page_obj"]] == ["Late Co"]
    assert "Next contact due" in response.content.decode()
    export = rep_client.get(reverse("customers:account-list"), {"format": "csv"})
    header = b"".join(export.streaming_content if export.streaming else [export.content])
    assert b"next_contact_due_on" in header.splitlines()[0]


def test_the_account_page_shows_the_follow_up_panel(rep_client, rep):
    account = due(rep, "Late Co", -4, tier="A")

    content = rep_client.get(account.get_absolute_url()).content.decode()

    assert 'id="panel-followup"' in content
    assert "Visit every 14 days" in content
    assert "Overdue 4 days" in content
    assert "Log contact" in content


def test_reminders_list_activities_coming_due_and_birthdays_today(rep_client, rep, teammate):
    now = timezone.now()
    ActivityFactory(owner=rep, subject="Overdue call", due_at=now - dt.timedelta(hours=3))
    ActivityFactory(owner=rep, subject="Tomorrow morning", due_at=now + dt.timedelta(hours=20))
    ActivityFactory(owner=rep, subject="Next week", due_at=now + dt.timedelta(days=7))
    ActivityFactory(owner=teammate, subject="Not mine", due_at=now)
    today = timezone.localdate()
    ContactFactory(owner=rep, last_name="Birthday", birthday=today.replace(year=1980))

    content = rep_client.get(reverse("followup:reminders")).content.decode()

    assert "Overdue call" in content and "Tomorrow morning" in content
    assert "Next week" not in content and "Not mine" not in content
    assert "Birthday" in content
    assert 'class="reminders__count">3<' in content


def test_every_page_loads_the_bell_lazily(rep_client):
    content = rep_client.get(reverse("pages:dashboard")).content.decode()
    assert f'hx-get="{reverse("followup:reminders")}"' in content


def test_the_calendar_feed_lists_my_open_dated_activities_and_a_revoked_token_is_404(
    rep_client, rep, teammate
):
    now = timezone.now()
    ActivityFactory(owner=rep, type="meeting", subject="Kick-off", due_at=now)
    ActivityFactory(owner=rep, type="note", subject="A note", due_at=now)
    ActivityFactory(owner=rep, type="call", subject="Done call", due_at=now, done_at=now)
    ActivityFactory(owner=teammate, type="visit", subject="Not mine", due_at=now)

    rep_client.post(reverse("followup:calendar-regenerate"))
    feed = CalendarFeed.objects.get(user=rep)
    url = f"/follow-up/calendar/{feed.token}.ics"
    response = Client().get(url)  # no sign-in: the token is the key

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    page = rep_client.get(reverse("followup:calendar")).content.decode()
    assert f"http://testserver{url}" in page  # the address the page was served at
    events = [str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert events == ["Meeting: Kick-off"]
    assert Client().get(f"/follow-up/calendar/{feed.token[:-1]}x.ics").status_code == 404

    rep_client.post(reverse("followup:calendar-regenerate"))
    assert Client().get(url).status_code == 404  # the old address stops working
    rep_client.post(reverse("followup:calendar-revoke"))
    assert not CalendarFeed.objects.filter(user=rep).exists()


def test_a_meeting_downloads_as_ics_for_its_readers_only(rep, outsider, rep_client):
    meeting = ActivityFactory(owner=rep, type="meeting", subject="Demo day", due_at=timezone.now())
    note = ActivityFactory(owner=rep, type="note", subject="x", due_at=timezone.now())

    response = rep_client.get(reverse("followup:activity-ics", args=[meeting.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"SUMMARY:Meeting: Demo day" in response.content
    url = reverse("followup:activity-ics", args=[meeting.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert rep_client.get(reverse("followup:activity-ics", args=[note.pk])).status_code == 404


def test_admins_add_a_tier_and_a_rule_from_the_settings_pages(admin_user):
    admin_client = client_for(admin_user)
    response = admin_client.post(
        reverse("followup:tier-create"),
        {"code": "P", "name": "Platinum", "contact_every_days": 7, "channel": "visit"},
    )
    assert response.status_code == 302
    from salesflow.customers.models import TierLevel

    tier = TierLevel.objects.get(code="P")
    assert tier.position == 4
    admin_client.post(
        reverse("followup:rule-create"),
        {"tier": tier.pk, "metric": "annual_revenue", "threshold": "1000", "months": 12,
         "is_active": "on"},
    )  # fmt: skip
    page = admin_client.get(reverse("followup:tier-list")).content.decode()
    assert "Platinum" in page
    assert "P when annual revenue ≥ 1,000" in page
