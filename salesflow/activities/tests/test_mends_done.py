"""A completed activity never offers "Done" (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.services import activity_create
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def done_buttons(content: str, subject: str) -> int:
    return content.count(f'aria-label="Done: {subject}"')


def test_a_call_logged_with_its_outcome_is_done_and_offers_no_done(rep_client, rep):
    deal = DealFactory(owner=rep, name="Fleet renewal")
    response = rep_client.post(
        f"{reverse('activities:activity-create')}?deal={deal.pk}",
        {
            "type": "call",
            "subject": "Called the buyer",
            "outcome": "Reached her: wants a demo",
            "deal": deal.pk,
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    assert response.status_code == 302
    call = Activity.objects.get(subject="Called the buyer")
    assert call.is_done
    for page in (
        deal.get_absolute_url(),
        reverse("activities:activity-list"),
        reverse("activities:activity-detail", args=[call.pk]),
        reverse("pages:dashboard"),
    ):
        content = rep_client.get(page).content.decode()
        assert done_buttons(content, "Called the buyer") == 0, page
        assert reverse("activities:activity-complete", args=[call.pk]) not in content, page


def test_a_past_due_call_logged_with_an_outcome_is_done_when_it_was_due(rep):
    deal = DealFactory(owner=rep)
    held = timezone.now() - dt.timedelta(days=2)
    call = activity_create(
        acting_user=rep, type="call", subject="Call", deal=deal, due_at=held, outcome="Reached"
    )
    assert call.done_at == held


def test_a_planned_call_without_outcome_still_offers_done(rep_client, rep):
    deal = DealFactory(owner=rep)
    due = timezone.now() + dt.timedelta(hours=1)
    activity_create(acting_user=rep, type="call", subject="Call back", deal=deal, due_at=due)
    content = rep_client.get(deal.get_absolute_url()).content.decode()
    assert done_buttons(content, "Call back") == 1
