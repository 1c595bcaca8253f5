"""What a new user's walkthrough found: calendar addresses on the wrong host, no .ics link on
a meeting's page, an unreadable tier line, an emoji bell, doubled types, a silent digest rerun."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from salesflow.customers.models import Account, TierLevel
from salesflow.followup.models import CalendarFeed, RuleMetric, TierRule
from tests.factories import AccountFactory, ActivityFactory

pytestmark = pytest.mark.django_db

HOST = "crm.example.org"


@pytest.fixture
def crm_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.SALESFLOW_SITE_URL = ""


def signed_in_at(user, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def events(body: bytes) -> list:
    return list(Calendar.from_ical(body).walk("VEVENT"))


# 1. Calendar addresses: the setting, else the request's address, else (no request) :8000.


def test_the_calendar_page_feed_and_download_carry_the_host_they_were_served_at(crm_host, rep):
    meeting = ActivityFactory(owner=rep, type="meeting", subject="Kick-off", due_at=timezone.now())
    client = signed_in_at(rep, HOST)
    client.post(reverse("followup:calendar-regenerate"))
    token = CalendarFeed.objects.get(user=rep).token
    path = f"/follow-up/calendar/{token}.ics"

    page = client.get(reverse("followup:calendar")).content.decode()
    assert f'value="http://{HOST}{path}"' in page
    assert "127.0.0.1:8000" not in page

    feed = Client(HTTP_HOST=HOST).get(path)
    (event,) = events(feed.content)
    assert str(event["url"]) == f"http://{HOST}/activities/{meeting.pk}/"
    assert f"http://{HOST}/activities/{meeting.pk}/" in str(event["description"])
    assert b"127.0.0.1:8000" not in feed.content

    download = client.get(reverse("followup:activity-ics", args=[meeting.pk]))
    (event,) = events(download.content)
    assert str(event["url"]) == f"http://{HOST}/activities/{meeting.pk}/"


def test_the_site_url_setting_wins_over_the_request(crm_host, settings, rep):
    settings.SALESFLOW_SITE_URL = "https://sales.example.com/"
    ActivityFactory(owner=rep, type="visit", subject="Plant tour", due_at=timezone.now())
    client = signed_in_at(rep, HOST)
    client.post(reverse("followup:calendar-regenerate"))
    token = CalendarFeed.objects.get(user=rep).token

    page = client.get(reverse("followup:calendar")).content.decode()
    assert f'value="https://sales.example.com/follow-up/calendar/{token}.ics"' in page
    (event,) = events(Client(HTTP_HOST=HOST).get(f"/follow-up/calendar/{token}.ics").content)
    assert str(event["url"]).startswith("https://sales.example.com/activities/")


def test_the_digest_has_no_request_and_keeps_the_fallback(smtp_server, rep, settings):
    settings.SALESFLOW_SITE_URL = ""
    call = ActivityFactory(owner=rep, subject="Call Ada", due_at=timezone.now() - dt.timedelta(1))

    call_command("digest", stdout=io.StringIO())

    assert f"http://127.0.0.1:8000/activities/{call.pk}/" in smtp_server.to(rep.email)[0].text()


# 2. A meeting's, visit's or demo's page offers its .ics file.


def test_a_dated_meeting_page_links_to_its_ics_file_and_a_task_page_does_not(rep_client, rep):
    now = timezone.now()
    meeting = ActivityFactory(owner=rep, type="meeting", subject="Kick-off", due_at=now)
    undated = ActivityFactory(owner=rep, type="demo", subject="Some day", due_at=None)
    task = ActivityFactory(owner=rep, type="task", subject="Send prices", due_at=now)

    page = rep_client.get(reverse("activities:activity-detail", args=[meeting.pk])).content
    ics_url = reverse("followup:activity-ics", args=[meeting.pk])
    assert f'href="{ics_url}"'.encode() in page
    assert b"Add to calendar (.ics)" in page
    assert rep_client.get(ics_url).status_code == 200

    for other in (task, undated):
        page = rep_client.get(reverse("activities:activity-detail", args=[other.pk])).content
        assert b"Add to calendar" not in page
        assert reverse("followup:activity-ics", args=[other.pk]).encode() not in page


# 3. The account page's tier line says plainly how the tier was set.


def tier_line(client, account: Account) -> str:
    content = client.get(account.get_absolute_url()).content.decode()
    line = re.search(r'<dd class="followup-tier">(.*?)</dd>', content, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", line).split())


@pytest.fixture
def active_rule():
    return TierRule.objects.create(
        tier=TierLevel.objects.get(code="A"), metric=RuleMetric.ANNUAL_REVENUE, threshold=10**9
    )


def test_the_tier_line_says_set_by_hand_and_offers_to_hand_it_back(rep_client, rep, active_rule):
    account = AccountFactory(owner=rep, tier="C")
    Account.objects.filter(pk=account.pk).update(tier_by_hand=True)

    line = tier_line(rep_client, account)

    assert line.startswith("Tier C, set by hand")
    assert "hand it back to the rules" in line
    assert "set by the tier rules" not in line


def test_the_tier_line_says_set_by_the_rules(rep_client, rep, active_rule):
    account = AccountFactory(owner=rep, tier="C")
    Account.objects.filter(pk=account.pk).update(tier_by_hand=False)

    line = tier_line(rep_client, account)

    assert line.startswith("Tier C, set by the tier rules")
    assert "set by hand" not in line


def test_the_tier_line_says_when_no_rule_is_active(rep_client, rep, active_rule):
    active_rule.is_active = False
    active_rule.save()
    account = AccountFactory(owner=rep, tier="C")
    Account.objects.filter(pk=account.pk).update(tier_by_hand=False)

    line = tier_line(rep_client, account)

    assert line.startswith("Tier C (no tier rules are active; set by hand on the account)")
    assert "set by the tier rules" not in line


# 4. The header's reminders need no emoji font.


def test_the_reminders_are_labelled_in_words_not_an_emoji(rep_client, rep):
    ActivityFactory(owner=rep, subject="Call back", due_at=timezone.now())

    page = rep_client.get(reverse("pages:dashboard")).content.decode()
    menu = rep_client.get(reverse("followup:reminders")).content.decode()

    for content in (page, menu):
        assert "\U0001f514" not in content and "&#128276;" not in content
        assert '<span class="reminders__label user-menu__link">Reminders</span>' in content
        assert 'aria-hidden="true"' in content
    assert 'aria-label="Reminders: 1"' in menu
    assert 'class="reminders__count">1<' in menu


# 5. The type is not repeated when the subject starts with it.


def test_the_type_is_not_repeated_before_a_subject_that_starts_with_it(rep_client, rep):
    now = timezone.now()
    ActivityFactory(owner=rep, type="meeting", subject="meeting: show the roadmap", due_at=now)
    ActivityFactory(owner=rep, type="call", subject="Kick-off", due_at=now)
    rep_client.post(reverse("followup:calendar-regenerate"))
    token = CalendarFeed.objects.get(user=rep).token

    feed = Client().get(f"/follow-up/calendar/{token}.ics").content
    summaries = sorted(str(event["summary"]) for event in events(feed))
    menu = rep_client.get(reverse("followup:reminders")).content.decode()

    assert summaries == ["Call: Kick-off", "meeting: show the roadmap"]
    assert "Meeting: meeting" not in menu and ">meeting: show the roadmap<" in menu
    assert ">Call: Kick-off<" in menu


# 6. A second digest run the same day says why it sent nothing.


def test_a_second_digest_run_says_how_many_had_todays_digest(smtp_server, rep, teammate):
    yesterday = timezone.now() - dt.timedelta(days=1)
    ActivityFactory(owner=rep, subject="Call Ada", due_at=yesterday)
    ActivityFactory(owner=teammate, subject="Call Bob", due_at=yesterday)
    call_command("digest", stdout=io.StringIO())

    out = io.StringIO()
    call_command("digest", stdout=out)

    assert "0 digests sent" in out.getvalue()
    assert "2 already sent today" in out.getvalue()
    assert len(smtp_server.received) == 2
    out = io.StringIO()
    call_command("digest", "--date", "2030-01-02", stdout=out)
    assert "0 already sent for 2030-01-02" in out.getvalue()
