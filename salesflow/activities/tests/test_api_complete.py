"""POST /api/v1/activities/{id}/complete from a second client, and the next step's link
errors named as the client sent them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(rep):
    return ActivityFactory(owner=rep, deal=DealFactory(owner=rep), type="call", subject="Call")


def _step(subject: str, **more: object) -> dict[str, object]:
    due = timezone.now() + dt.timedelta(days=2)
    return {"next_step": {"type": "demo", "subject": subject, "due_at": due.isoformat(), **more}}


def test_completing_twice_is_a_422_on_done_at_and_plans_no_second_follow_up(rep, call):
    assert ApiClient(rep).post(f"/activities/{call.pk}/complete", _step("Demo")).status_code == 200
    response = ApiClient(rep).post(
        f"/activities/{call.pk}/complete", {"outcome": "Again", **_step("Demo 2")}
    )
    assert invalid_fields(response) == {"done_at"}
    assert response.json()["detail"][0]["msg"] == "This activity is already done."
    assert list(Activity.objects.filter(follows=call).values_list("subject", flat=True)) == ["Demo"]
    call.refresh_from_db()
    assert call.outcome == ""


def test_a_next_step_owner_the_user_cannot_see_is_named_next_step_owner_id(rep, outsider, call):
    response = ApiClient(rep).post(
        f"/activities/{call.pk}/complete", _step("Demo", owner_id=outsider.pk + 1000)
    )
    assert invalid_fields(response) == {"next_step.owner_id"}
    call.refresh_from_db()
    assert call.done_at is None
