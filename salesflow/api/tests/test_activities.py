from __future__ import annotations

import datetime as dt

from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.api.tests.conftest import ids, invalid_fields
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

LIST_QUERIES = 5


def test_rep_logs_a_call_on_a_deal_and_it_lands_on_the_deals_account(api_as, rep, north):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        "/activities",
        {"type": "call", "subject": "Discovery call", "deal_id": deal.pk, "body": "Went well"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["deal_id"], body["account_id"]) == (deal.pk, deal.account_id)
    assert (body["owner_id"], body["team_id"]) == (rep.pk, north.pk)
    assert body["is_done"] is False


def test_rep_reads_a_teammates_activity(api_as, rep, teammate):
    activity = ActivityFactory(owner=teammate, subject="Demo for Acme")

    response = api_as(rep).get(f"/activities/{activity.pk}")

    assert response.status_code == 200
    assert response.json()["subject"] == "Demo for Acme"


def test_list_filters_activities(api_as, rep):
    now = timezone.now()
    call = ActivityFactory(owner=rep, type="call", due_at=now - dt.timedelta(days=2))
    meeting = ActivityFactory(
        owner=rep, type="meeting", due_at=now + dt.timedelta(days=2), done_at=now
    )
    lead = LeadFactory(owner=rep)
    on_lead = ActivityFactory(owner=rep, type="email", deal=None, account=None, lead=lead)
    contact = ContactFactory(owner=rep)
    on_contact = ActivityFactory(owner=rep, type="note", deal=None, account=None, contact=contact)
    api = api_as(rep)

    assert ids(api.get("/activities", {"type": "call"})) == {call.pk}
    assert ids(api.get("/activities", {"deal_id": meeting.deal_id})) == {meeting.pk}
    assert ids(api.get("/activities", {"lead_id": lead.pk})) == {on_lead.pk}
    assert ids(api.get("/activities", {"contact_id": contact.pk})) == {on_contact.pk}
    assert ids(api.get("/activities", {"account_id": call.account_id})) == {call.pk}
    assert ids(api.get("/activities", {"owner_id": rep.pk})) == {
        call.pk,
        meeting.pk,
        on_lead.pk,
        on_contact.pk,
    }
    assert ids(api.get("/activities", {"done": "true"})) == {meeting.pk}
    assert ids(api.get("/activities", {"done": "false"})) == {call.pk, on_lead.pk, on_contact.pk}
    assert ids(api.get("/activities", {"due_before": now.isoformat()})) == {call.pk}
    assert ids(api.get("/activities", {"due_after": now.isoformat()})) == {meeting.pk}


def test_patch_marks_an_activity_done(api_as, rep):
    activity = ActivityFactory(owner=rep, subject="Call back")
    done_at = timezone.now().replace(microsecond=0)

    response = api_as(rep).patch(
        f"/activities/{activity.pk}", {"done_at": done_at.isoformat(), "outcome": "Interested"}
    )

    assert response.status_code == 200
    assert response.json()["is_done"] is True
    activity.refresh_from_db()
    assert (activity.done_at, activity.outcome, activity.subject) == (
        done_at,
        "Interested",
        "Call back",
    )


def test_patch_with_the_version_read_saves_and_bumps_it(api_as, rep):
    activity = ActivityFactory(owner=rep, subject="Call back")

    response = api_as(rep).patch(f"/activities/{activity.pk}", {"subject": "Call", "version": 1})

    assert response.status_code == 200
    assert (response.json()["subject"], response.json()["version"]) == ("Call", 2)
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Call", 2)


def test_a_stale_version_answers_409_and_keeps_the_first_edit(api_as, rep, teammate):
    activity = ActivityFactory(owner=rep, subject="Call back", outcome="")
    api_as(teammate).patch(f"/activities/{activity.pk}", {"outcome": "Voicemail", "version": 1})

    response = api_as(rep).patch(f"/activities/{activity.pk}", {"subject": "Mine", "version": 1})

    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]
    activity.refresh_from_db()
    assert (activity.subject, activity.outcome, activity.version) == ("Call back", "Voicemail", 2)


def test_patch_without_a_version_saves_over_any_change(api_as, rep):
    activity = ActivityFactory(owner=rep, subject="Call back")
    api_as(rep).patch(f"/activities/{activity.pk}", {"outcome": "Voicemail"})

    response = api_as(rep).patch(f"/activities/{activity.pk}", {"subject": "Call again"})

    assert response.status_code == 200
    activity.refresh_from_db()
    assert (activity.subject, activity.outcome, activity.version) == ("Call again", "Voicemail", 3)


def test_a_version_of_the_wrong_type_answers_422(api_as, rep):
    activity = ActivityFactory(owner=rep)

    response = api_as(rep).patch(f"/activities/{activity.pk}", {"version": "latest"})

    assert invalid_fields(response) == {"version"}


def test_delete_removes_the_activity(api_as, rep):
    activity = ActivityFactory(owner=rep)

    response = api_as(rep).delete(f"/activities/{activity.pk}")

    assert response.status_code == 204
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_an_activity_linked_to_nothing_answers_422(api_as, rep):
    response = api_as(rep).post("/activities", {"type": "call", "subject": "Who?"})

    assert invalid_fields(response) == {"deal_id"}
    assert not Activity.objects.exists()


def test_a_bad_type_and_a_missing_subject_answer_422_naming_both(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post("/activities", {"type": "lunch", "deal_id": deal.pk})

    assert invalid_fields(response) == {"type", "subject"}


def test_a_deal_the_user_cannot_see_answers_422_naming_deal_id(api_as, rep, outsider):
    hidden = DealFactory(owner=outsider)

    response = api_as(rep).post(
        "/activities", {"type": "call", "subject": "Snoop", "deal_id": hidden.pk}
    )

    assert invalid_fields(response) == {"deal_id"}
    assert not Activity.objects.exists()


def test_an_unknown_activity_answers_404(api_as, rep):
    assert api_as(rep).get("/activities/999999").status_code == 404


def test_outsider_gets_404_for_a_teammates_activity_and_does_not_list_it(
    api_as, outsider, teammate
):
    activity = ActivityFactory(owner=teammate)
    api = api_as(outsider)

    assert api.get(f"/activities/{activity.pk}").status_code == 404
    assert api.patch(f"/activities/{activity.pk}", {"subject": "Mine"}).status_code == 404
    assert api.delete(f"/activities/{activity.pk}").status_code == 404
    assert activity.pk not in ids(api.get("/activities"))


def test_patch_of_an_activity_shared_read_only_answers_403(api_as, rep, outsider):
    activity = ActivityFactory(owner=outsider, subject="Shared", visibility="everyone")

    response = api_as(rep).patch(f"/activities/{activity.pk}", {"subject": "Mine"})

    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.subject == "Shared"


def test_listing_activities_takes_a_constant_number_of_queries(
    api_as, rep, teammate, django_assert_max_num_queries
):
    for owner in (rep, teammate) * 4:
        ActivityFactory(owner=owner)
    api = api_as(rep)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("/activities")

    assert response.json()["count"] == 8
