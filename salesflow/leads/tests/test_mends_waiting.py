"""Durations under a minute read "less than a minute", never "0 minutes" (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_a_lead_that_just_came_in_waits_less_than_a_minute_in_the_queue(manager, north):
    LeadFactory(owner=None, team=north, last_name="Lovelace")
    content = client_for(manager).get(reverse("leads:queue")).content.decode()
    assert "Lovelace" in content
    assert "less than a minute" in content
    assert "0\xa0minutes" not in content and "0 minutes" not in content


def test_the_lead_page_says_less_than_a_minute_too(rep_client, rep):
    lead = LeadFactory(owner=rep)
    content = rep_client.get(lead.get_absolute_url()).content.decode()
    assert "less than a minute ago" in content
    assert "0\xa0minutes" not in content and "0 minutes" not in content


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "less than a minute"),
        (59, "less than a minute"),
        (60, "1\xa0minute"),
        (7200, "2\xa0hours"),
    ],
)
def test_since(seconds, expected):
    now = timezone.now()
    text = Template("{% load salesflow_ui %}{{ then|since:now }}").render(
        Context({"then": now - dt.timedelta(seconds=seconds), "now": now})
    )
    assert text == expected
