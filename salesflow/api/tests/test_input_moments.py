"""Moments sent to the API are kept in UTC, whatever offset they carry."""

from __future__ import annotations

import datetime as dt

from salesflow.activities.models import Activity
from tests.factories import DealFactory


def test_a_moment_with_an_offset_postgresql_does_not_take_is_stored_in_utc(api_as, rep):
    deal = DealFactory(owner=rep)
    response = api_as(rep).post(
        "/activities",
        {"type": "task", "subject": "Call back", "due_at": "2026-03-01T23:30:00+23:12",
         "deal_id": deal.pk},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    stored = Activity.objects.get(subject="Call back").due_at
    assert stored == dt.datetime(2026, 3, 1, 0, 18, tzinfo=dt.UTC)


def test_a_query_moment_with_such_an_offset_filters_in_utc(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    api.post(
        "/activities",
        {"type": "task", "subject": "Early", "due_at": "2026-03-01T00:00:00Z", "deal_id": deal.pk},
    )
    # 2026-03-01T23:30+23:12 is 00:18 UTC: the task due at midnight is before it.
    response = api.get("/activities", {"due_before": "2026-03-01T23:30:00+23:12"})
    assert response.status_code == 200, response.content
    assert [item["subject"] for item in response.json()["items"]] == ["Early"]
