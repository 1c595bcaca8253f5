"""Calendars in iCalendar form (RFC 5545, written with the icalendar library): a user's feed
of open dated activities, and one activity as a download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from icalendar import Calendar, Event

from salesflow.activities.models import Activity

# What the feed lists: the user's open, dated activities of these types.
FEED_TYPES = ("meeting", "visit", "demo", "call", "task")
# What can be downloaded one by one.
DOWNLOAD_TYPES = ("meeting", "visit", "demo")
DURATIONS = {"meeting": 60, "visit": 90, "demo": 60, "call": 30, "task": 15}
FEED_DAYS_BACK = 30  # open activities overdue by more than this are left out of the feed


def base_url() -> str:
    return (getattr(settings, "SALESFLOW_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def absolute(path: str) -> str:
    return f"{base_url()}{path}"


def feed_url(token: str) -> str:
    """The absolute address of a calendar feed (the URL pattern is unnamed: it is public)."""
    return absolute(f"{reverse('followup:calendar')}{token}.ics")


def feed_activities(user: Any, *, now: dt.datetime) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(
            owner=user,
            done_at__isnull=True,
            due_at__isnull=False,
            due_at__gte=now - dt.timedelta(days=FEED_DAYS_BACK),
            type__in=FEED_TYPES,
        )
        .select_related("account", "deal", "contact", "lead")
        .order_by("due_at", "pk")
    )


def _where(activity: Activity) -> str:
    record = activity.deal or activity.account or activity.contact or activity.lead
    return str(record) if record is not None else ""


def _url(activity: Activity) -> str:
    try:
        return absolute(activity.get_absolute_url())
    except NoReverseMatch:  # pragma: no cover - an activity page always exists on main
        record = activity.deal or activity.account or activity.contact or activity.lead
        return absolute(record.get_absolute_url()) if record is not None else base_url()


def activity_event(activity: Activity, *, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@salesflow")
    event.add("dtstamp", stamp)
    event.add("dtstart", activity.due_at)
    event.add("dtend", activity.due_at + dt.timedelta(minutes=DURATIONS.get(activity.type, 30)))
    event.add("summary", f"{activity.get_type_display()}: {activity.subject}")
    where = _where(activity)
    url = _url(activity)
    description = "\n\n".join(part for part in (where, activity.body, url) if part)
    event.add("description", description)
    event.add("url", url)
    event.add("categories", [activity.get_type_display()])
    return event


def calendar_of(activities: Iterable[Activity], *, name: str, stamp: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Salesflow//Follow-up//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for activity in activities:
        calendar.add_component(activity_event(activity, stamp=stamp))
    return calendar.to_ical()
