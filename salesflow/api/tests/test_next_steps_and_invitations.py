"""The API of issue 8 points 1 and 2: completing an activity with its next step, the deals'
next-step state and filter, invitations and their reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities.models import Activity, InvitationReason
from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.pipeline.models import Deal
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep, name="Fleet renewal")


@pytest.fixture
def call(rep, deal):
    return ActivityFactory(owner=rep, deal=deal, type="call", subject="Call the buyer")


@pytest.fixture
def webinar():
    return InvitationReason.objects.get(name="Webinar")


def test_complete_with_a_next_step_answers_both_and_moves_the_deals_next_step(
    api_as, rep, deal, call
):
    due = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    response = api_as(rep).post(
        f"/activities/{call.pk}/complete",
        {
            "outcome": "Wants a demo",
            "next_step": {"type": "demo", "subject": "Demo", "due_at": due.isoformat()},
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["activity"]["is_done"] and body["activity"]["outcome"] == "Wants a demo"
    follow_up = body["follow_up"]
    assert (follow_up["type"], follow_up["deal_id"], follow_up["follows_id"]) == (
        "demo",
        deal.pk,
        call.pk,
    )
    detail = api_as(rep).get(f"/deals/{deal.pk}").json()
    assert detail["next_step"] == "planned" and detail["open_activity_count"] == 1
    assert dt.datetime.fromisoformat(detail["next_activity_at"]) == due


def test_complete_without_a_next_step_needs_a_reason(api_as, rep, call):
    response = api_as(rep).post(f"/activities/{call.pk}/complete", {"outcome": "Reached"})
    assert invalid_fields(response) == {"next_step"}
    call.refresh_from_db()
    assert call.done_at is None

    response = api_as(rep).post(
        f"/activities/{call.pk}/complete", {"no_next_step_reason": "Went with a rival"}
    )
    assert response.status_code == 200 and response.json()["follow_up"] is None
    assert response.json()["activity"]["no_next_step_reason"] == "Went with a rival"


def test_a_bad_next_step_is_a_422_naming_its_field_and_nothing_is_done(api_as, rep, call):
    response = api_as(rep).post(
        f"/activities/{call.pk}/complete",
        {
            "next_step": {
                "type": "invitation",
                "subject": "Webinar",
                "due_at": timezone.now().isoformat(),
            }
        },
    )
    assert invalid_fields(response) == {"next_step.invitation_reason_id"}
    call.refresh_from_db()
    assert call.done_at is None and not Activity.objects.filter(follows=call).exists()


def test_complete_is_refused_to_a_read_only_reader_and_hidden_from_outsiders(
    api_as, outsider, teammate, deal
):
    private = ActivityFactory(owner=deal.owner, deal=deal, visibility="private")
    reason = {"no_next_step_reason": "x"}
    assert api_as(outsider).post(f"/activities/{private.pk}/complete", reason).status_code == 404
    shared = ActivityFactory(owner=outsider, visibility="everyone")
    assert api_as(teammate).post(f"/activities/{shared.pk}/complete", reason).status_code == 403
    shared.refresh_from_db()
    assert shared.done_at is None


def test_deals_answer_their_next_step_and_filter_on_it(api_as, rep):
    now = timezone.now()
    bare = DealFactory(owner=rep)
    late = DealFactory(owner=rep)
    ActivityFactory(owner=rep, deal=late, due_at=now - dt.timedelta(days=1))
    planned = DealFactory(owner=rep)
    ActivityFactory(owner=rep, deal=planned, due_at=now + dt.timedelta(days=1))
    client = api_as(rep)
    states = {item["id"]: item["next_step"] for item in client.get("/deals").json()["items"]}
    assert (states[bare.pk], states[late.pk], states[planned.pk]) == (
        "none",
        "overdue",
        "planned",
    )
    assert ids(client.get("/deals", {"next_step": "none"})) == {bare.pk}
    assert ids(client.get("/deals", {"next_step": "overdue"})) == {late.pk}
    assert invalid_fields(client.get("/deals", {"next_step": "soon"})) == {"next_step"}


def test_deal_list_query_count_does_not_grow_with_next_steps(
    api_as, rep, django_assert_max_num_queries
):
    client = api_as(rep)
    for _ in range(10):
        ActivityFactory(owner=rep, deal=DealFactory(owner=rep))
    with django_assert_max_num_queries(8):
        assert client.get("/deals").status_code == 200


def test_invitations_carry_reason_and_answer_and_filter_by_type(api_as, rep, deal, webinar):
    client = api_as(rep)
    response = client.post(
        "/activities",
        {
            "type": "invitation",
            "subject": "Webinar on routing",
            "deal_id": deal.pk,
            "invitation_reason_id": webinar.pk,
        },
    )
    assert response.status_code == 201, response.content
    invitation = response.json()
    assert (invitation["invitation_reason_id"], invitation["invitation_outcome"]) == (
        webinar.pk,
        "",
    )
    changed = client.patch(f"/activities/{invitation['id']}", {"invitation_outcome": "accepted"})
    assert changed.json()["invitation_outcome"] == "accepted"
    ActivityFactory(owner=rep, deal=deal, type="call")
    assert ids(client.get("/activities", {"type": "invitation"})) == {invitation["id"]}


def test_an_invitation_without_a_reason_or_a_call_with_one_is_a_422(api_as, rep, deal, webinar):
    client = api_as(rep)
    response = client.post(
        "/activities", {"type": "invitation", "subject": "No reason", "deal_id": deal.pk}
    )
    assert invalid_fields(response) == {"invitation_reason_id"}
    response = client.post(
        "/activities",
        {
            "type": "call",
            "subject": "Call",
            "deal_id": deal.pk,
            "invitation_reason_id": webinar.pk,
            "invitation_outcome": "accepted",
        },
    )
    assert invalid_fields(response) == {"invitation_reason_id", "invitation_outcome"}
    assert not Activity.objects.filter(subject__in=["No reason", "Call"]).exists()


def test_reasons_are_read_by_everyone_and_written_by_admins(api_as, rep, admin_user, webinar):
    listed = api_as(rep).get("/invitation-reasons").json()
    assert "Webinar" in {item["name"] for item in listed["items"]}
    assert api_as(rep).post("/invitation-reasons", {"name": "Site tour"}).status_code == 403
    created = api_as(admin_user).post("/invitation-reasons", {"name": "Site tour"})
    assert created.status_code == 201 and created.json()["is_active"]
    response = api_as(rep).patch(f"/invitation-reasons/{webinar.pk}", {"is_active": False})
    assert response.status_code == 403
    webinar.refresh_from_db()
    assert webinar.is_active
    retired = api_as(admin_user).patch(f"/invitation-reasons/{webinar.pk}", {"is_active": False})
    assert retired.json()["is_active"] is False
    active = api_as(rep).get("/invitation-reasons", {"is_active": "true"}).json()
    assert "Webinar" not in {item["name"] for item in active["items"]}
    duplicate = api_as(admin_user).post("/invitation-reasons", {"name": "Site tour"})
    assert invalid_fields(duplicate) == {"name"}


def test_a_deal_closed_answers_no_next_step_state(api_as, rep, manager):
    from salesflow.pipeline.models import Outcome
    from salesflow.pipeline.services import deal_close
    from tests.factories import lost_reason

    deal = DealFactory(owner=rep)
    deal_close(deal, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())
    assert api_as(rep).get(f"/deals/{deal.pk}").json()["next_step"] is None
    assert Deal.objects.get(pk=deal.pk).open_activity_count == 0
