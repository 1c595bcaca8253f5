"""Calendars in iCalendar form (RFC 5545, written with the icalendar library): a user's feed
of open dated activities, and one activity as a download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from icalendar import Calendar, Event

from salesflow.activities.models import Activity

# What the feed lists: the user's open, dated activities of these types.
FEED_TYPES = ("meeting", "visit", "demo", "call", "task")
# What can be downloaded one by one.
DOWNLOAD_TYPES = ("meeting", "visit", "demo")
DURATIONS = {"meeting": 60, "visit": 90, "demo": 60, "call": 30, "task": 15}
FEED_DAYS_BACK = 30  # open activities overdue by more than this are left out of the feed


FALLBACK_BASE_URL = "http://127.0.0.1:8000"


def base_url(request: HttpRequest | None = None) -> str:
    """Where the site is: SALESFLOW_SITE_URL when set, else the address the current request
    came to, and only with no request (the scheduled digest) http://127.0.0.1:8000."""
    site = getattr(settings, "SALESFLOW_SITE_URL", "")
    if site:
        return site.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK_BASE_URL


def absolute(path: str, *, base: str | None = None) -> str:
    """`path` made absolute against `base` (a `base_url(...)`; by default the setting or the
    fallback)."""
    return f"{base if base is not None else base_url()}{path}"


def feed_url(token: str, *, base: str | None = None) -> str:
    """The absolute address of a calendar feed (the URL pattern is unnamed: it is public)."""
    return absolute(f"{reverse('followup:calendar')}{token}.ics", base=base)


def title_of(activity: Activity) -> str:
    """ "Meeting: Kick-off", but not "Meeting: Meeting: Kick-off" when the subject already
    starts with the type's name (any case)."""
    kind = str(activity.get_type_display())
    subject = activity.subject or ""
    if subject.casefold().startswith(kind.casefold()):
        return subject
    return f"{kind}: {subject}" if subject else kind


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


def _url(activity: Activity, base: str) -> str:
    try:
        return absolute(activity.get_absolute_url(), base=base)
    except NoReverseMatch:  # pragma: no cover - an activity page always exists on main
        record = activity.deal or activity.account or activity.contact or activity.lead
        return absolute(record.get_absolute_url(), base=base) if record is not None else base


def activity_event(activity: Activity, *, stamp: dt.datetime, base: str | None = None) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@salesflow")
    event.add("dtstamp", stamp)
    event.add("dtstart", activity.due_at)
    event.add("dtend", activity.due_at + dt.timedelta(minutes=DURATIONS.get(activity.type, 30)))
    event.add("summary", title_of(activity))
    where = _where(activity)
    url = _url(activity, base if base is not None else base_url())
    description = "\n\n".join(part for part in (where, activity.body, url) if part)
    event.add("description", description)
    event.add("url", url)
    event.add("categories", [activity.get_type_display()])
    return event


def calendar_of(
    activities: Iterable[Activity], *, name: str, stamp: dt.datetime, base: str | None = None
) -> bytes:
    """The calendar of `activities`; their links point at `base` (see `base_url`)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Salesflow//Follow-up//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for activity in activities:
        calendar.add_component(activity_event(activity, stamp=stamp, base=base))
    return calendar.to_ical()
