"""What a new user's walkthrough found: the Done form of an invitation shows the answer already
recorded and offers a meeting (never an invitation) as the next step; the activity page uses the
page's width when no panel fills its aside."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from salesflow.activities.models import Activity, InvitationReason
from salesflow.activities.panels import activity_panels
from salesflow.core.panels import Panel
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


def selected(page: str, name: str) -> list[str]:
    """The values chosen in the page's <select name=...>."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))


@pytest.fixture
def invitation(rep):
    return ActivityFactory(
        owner=rep,
        deal=DealFactory(owner=rep),
        type="invitation",
        subject="Invite to the webinar",
        invitation_reason=InvitationReason.objects.get(name="Webinar"),
        invitation_outcome="accepted",
    )


def complete_page(client, activity: Activity) -> str:
    response = client.get(reverse("activities:activity-complete", args=[activity.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_done_form_of_an_invitation_shows_the_answer_already_recorded(rep_client, invitation):
    page = complete_page(rep_client, invitation)
    assert selected(page, "invitation_outcome") == ["accepted"]


def test_an_invitation_not_answered_yet_offers_no_answer(rep_client, invitation):
    Activity.objects.filter(pk=invitation.pk).update(invitation_outcome="")
    assert selected(complete_page(rep_client, invitation), "invitation_outcome") == [""]


def test_the_answer_shown_is_kept_when_the_form_is_sent_as_shown(rep_client, invitation):
    rep_client.post(
        reverse("activities:activity-complete", args=[invitation.pk]),
        {"invitation_outcome": "accepted", "outcome": "Coming with the CFO"},
    )
    invitation.refresh_from_db()
    assert invitation.is_done and invitation.invitation_outcome == "accepted"


@pytest.mark.parametrize(
    ("completed", "offered"),
    [
        ("invitation", "meeting"),
        ("call", "call"),
        ("meeting", "meeting"),
        ("visit", "visit"),
        ("demo", "demo"),
        ("note", "call"),
        ("email", "email"),
        ("task", "task"),
    ],
)
def test_the_next_step_is_offered_as_the_type_that_follows(rep_client, rep, completed, offered):
    activity = ActivityFactory(owner=rep, type=completed, due_at=timezone.now())
    if completed == "invitation":
        Activity.objects.filter(pk=activity.pk).update(
            invitation_reason=InvitationReason.objects.get(name="Webinar")
        )
    assert selected(complete_page(rep_client, activity), "next_type") == [offered]


def detail_page(client, activity: Activity) -> str:
    return client.get(reverse("activities:activity-detail", args=[activity.pk])).content.decode()


def test_the_activity_page_draws_no_aside_without_aside_panels(rep_client, rep, monkeypatch):
    call = ActivityFactory(owner=rep, subject="First call")
    monkeypatch.setattr(activity_panels, "_panels", {})
    assert "detail-layout__aside" not in detail_page(rep_client, call)
    activity_panels.register(Panel("probe", "activities/tests/probe_panel.html", slot="aside"))
    page = detail_page(rep_client, call)
    assert "detail-layout__aside" in page and 'id="panel-probe"' in page
