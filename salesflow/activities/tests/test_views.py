from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.users.models import Visibility
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"activities:{name}", args=args)


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep, name="Fleet renewal")


@pytest.fixture
def activity(rep, deal):
    return ActivityFactory(owner=rep, deal=deal, subject="Call the buyer")


@pytest.fixture
def public_activity(outsider):
    return ActivityFactory(owner=outsider, visibility=Visibility.EVERYONE, subject="Public call")


def test_list_shows_readable_activities_only(rep_client, activity, outsider):
    ActivityFactory(owner=outsider, subject="Their call")
    content = rep_client.get(url("activity-list")).content.decode()
    assert "Call the buyer" in content and "Their call" not in content


def test_list_searches_and_filters_by_state(rep_client, rep, activity):
    ActivityFactory(owner=rep, subject="Send the proposal", done_at=timezone.now())
    content = rep_client.get(url("activity-list"), {"q": "proposal"}).content.decode()
    assert "Send the proposal" in content and "Call the buyer" not in content
    content = rep_client.get(url("activity-list"), {"state": "open"}).content.decode()
    assert "Call the buyer" in content and "Send the proposal" not in content


def test_list_answers_htmx_with_only_the_results(rep_client, activity):
    response = rep_client.get(url("activity-list"), {"q": "buyer"}, **HTMX)
    assert "<html" not in response.content.decode()
    assert "Call the buyer" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow(rep_client, rep, rows, django_assert_max_num_queries):
    for index in range(rows):
        links = [
            {"deal": DealFactory(owner=rep)},
            {"deal": None, "lead": LeadFactory(owner=rep)},
            {"deal": None, "contact": ContactFactory(owner=rep)},
        ][index % 3]
        ActivityFactory(owner=rep, **links)
    # +1: custom fields, +1: invitation reasons filter, +2: saved views bar
    with django_assert_max_num_queries(10):
        assert rep_client.get(url("activity-list")).status_code == 200


def test_create_from_a_deal_links_it_and_returns_there(rep_client, rep, deal):
    form_page = rep_client.get(url("activity-create"), {"deal": deal.pk})
    assert "Log activity for Fleet renewal" in form_page.content.decode()
    response = rep_client.post(
        f"{url('activity-create')}?deal={deal.pk}",
        {
            "type": "meeting",
            "subject": "Demo with the buyer",
            "due_at": "2030-05-01T10:00",
            "deal": deal.pk,
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    activity = Activity.objects.get(subject="Demo with the buyer")
    assert response["Location"] == deal.get_absolute_url()
    assert activity.deal == deal and activity.account == deal.account
    assert activity.due_at == dt.datetime(2030, 5, 1, 10, 0, tzinfo=dt.UTC)


def test_create_from_a_record_the_user_cannot_read_is_not_found(rep_client, outsider):
    foreign = DealFactory(owner=outsider)
    assert rep_client.get(url("activity-create"), {"deal": foreign.pk}).status_code == 404


def test_create_without_a_link_shows_the_service_error(rep_client, rep):
    response = rep_client.post(
        url("activity-create"),
        {"type": "call", "subject": "Orphan", "owner": rep.pk, "visibility": "team"},
    )
    assert response.status_code == 200
    assert "Link the activity" in response.content.decode()
    assert not Activity.objects.exists()


def test_create_shows_field_errors(rep_client, rep, deal):
    response = rep_client.post(
        url("activity-create"),
        {"type": "", "subject": "", "due_at": "someday", "deal": deal.pk, "owner": rep.pk},
    )
    errors = response.context["form"].errors
    assert {"type", "subject", "due_at"} <= set(errors)
    assert not Activity.objects.exists()


def test_create_refuses_a_deal_the_user_cannot_see(rep_client, rep, outsider):
    foreign = DealFactory(owner=outsider)
    response = rep_client.post(
        url("activity-create"),
        {"type": "call", "subject": "Sneaky", "deal": foreign.pk, "owner": rep.pk},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Activity.objects.filter(subject="Sneaky").exists()


def test_edit_saves_changes(rep_client, rep, activity):
    response = rep_client.post(
        url("activity-edit", activity.pk), edit_data(activity, subject="Call the buyer again")
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Call the buyer again", 2)


def edit_data(activity, **changes) -> dict:
    return {
        "type": activity.type,
        "subject": activity.subject,
        "deal": activity.deal_id,
        "account": activity.account_id,
        "owner": activity.owner_id,
        "visibility": activity.visibility,
        "version": activity.version,
        **changes,
    }


def test_edit_form_carries_the_version_read(rep_client, activity):
    form = rep_client.get(url("activity-edit", activity.pk)).context["form"]
    assert form["version"].value() == 1


def test_a_second_edit_from_the_same_version_shows_the_conflict_and_keeps_the_first(
    rep_client, rep, teammate, activity
):
    first = client_for(teammate).post(
        url("activity-edit", activity.pk), edit_data(activity, outcome="Voicemail")
    )
    assert first.status_code == 302

    response = rep_client.post(
        url("activity-edit", activity.pk), edit_data(activity, subject="Call the CFO")
    )

    assert response.status_code == 409
    conflict = response.context["form"].conflict
    assert "Someone else saved this activity" in conflict.message
    rows = {row.label: row for row in conflict.rows}
    assert rows["Subject"].mine == "Call the CFO" and rows["Subject"].saved == "Call the buyer"
    assert conflict.version == 2  # the choice is made against what is saved now
    activity.refresh_from_db()
    assert (activity.subject, activity.outcome, activity.version) == (
        "Call the buyer",
        "Voicemail",
        2,
    )


def test_saving_again_after_the_conflict_applies_the_change(rep_client, teammate, activity):
    client_for(teammate).post(
        url("activity-edit", activity.pk), edit_data(activity, outcome="Voicemail")
    )
    rep_client.post(url("activity-edit", activity.pk), edit_data(activity, subject="Call the CFO"))

    response = rep_client.post(
        url("activity-edit", activity.pk),
        edit_data(activity, subject="Call the CFO", outcome="Voicemail", version=2),
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.subject, activity.outcome) == ("Call the CFO", "Voicemail")
    assert activity.version == 3


def test_edit_is_forbidden_when_read_only(rep_client, public_activity):
    assert rep_client.get(url("activity-edit", public_activity.pk)).status_code == 403


def test_edit_is_not_found_for_an_outsider(activity, outsider):
    assert client_for(outsider).get(url("activity-edit", activity.pk)).status_code == 404


NO_STEP = {"plan": "none", "no_next_step_reason": "They signed elsewhere"}


def test_complete_marks_done_and_goes_back(rep_client, activity):
    response = rep_client.post(
        url("activity-complete", activity.pk),
        {"next": "/deals/", "outcome": "Agreed a demo", **NO_STEP},
    )
    assert response.status_code == 302 and response["Location"] == "/deals/"
    activity.refresh_from_db()
    assert activity.done_at is not None and activity.outcome == "Agreed a demo"
    assert activity.no_next_step_reason == "They signed elsewhere"


def test_complete_ignores_a_next_pointing_elsewhere(rep_client, activity):
    response = rep_client.post(
        url("activity-complete", activity.pk), {"next": "https://evil.example/", **NO_STEP}
    )
    assert response["Location"] == url("activity-detail", activity.pk)


def test_complete_twice_is_a_message(rep_client, activity):
    rep_client.post(url("activity-complete", activity.pk), NO_STEP)
    response = rep_client.post(url("activity-complete", activity.pk), NO_STEP, follow=True)
    assert "already done" in response.content.decode()


def test_complete_is_forbidden_when_read_only(rep_client, public_activity):
    assert rep_client.post(url("activity-complete", public_activity.pk)).status_code == 403
    public_activity.refresh_from_db()
    assert public_activity.done_at is None


def test_complete_is_not_found_for_an_outsider(activity, outsider):
    assert client_for(outsider).post(url("activity-complete", activity.pk)).status_code == 404


def test_complete_shows_the_form_and_htmx_gets_only_the_form(rep_client, activity):
    page = rep_client.get(url("activity-complete", activity.pk), {"next": "/deals/"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert 'name="next_subject"' in page.content.decode()
    inline = rep_client.get(url("activity-complete", activity.pk), **HTMX)
    assert "<html" not in inline.content.decode() and 'name="plan"' in inline.content.decode()


def test_completing_a_call_without_a_next_step_or_a_reason_is_refused(rep_client, activity):
    response = rep_client.post(url("activity-complete", activity.pk), {"outcome": "Reached"})
    assert response.status_code == 200
    assert "Plan the next step, or say why there is none." in response.content.decode()
    response = rep_client.post(url("activity-complete", activity.pk), {"plan": "none"})
    assert "Say why there is no next step." in response.content.decode()
    activity.refresh_from_db()
    assert activity.done_at is None and activity.outcome == ""


def test_completing_with_a_next_step_plans_the_follow_up_on_the_same_deal(
    rep_client, rep, activity, deal
):
    due = timezone.now() + dt.timedelta(days=2)
    response = rep_client.post(
        url("activity-complete", activity.pk),
        {
            "next": deal.get_absolute_url(),
            "outcome": "Wants a demo",
            "plan": "plan",
            "next_type": "demo",
            "next_subject": "Demo for the buyer",
            "next_due_at": timezone.localtime(due).strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    follow_up = Activity.objects.get(follows=activity)
    assert (follow_up.type, follow_up.subject, follow_up.deal, follow_up.owner) == (
        "demo",
        "Demo for the buyer",
        deal,
        rep,
    )
    assert "Next step: demo “Demo for the buyer”" in response.content.decode()
    deal.refresh_from_db()
    assert deal.open_activity_count == 1
    assert deal.next_activity_at == due.replace(second=0, microsecond=0)


def test_completing_from_a_second_tab_is_refused_and_plans_no_second_follow_up(
    rep_client, activity, deal
):
    # Both tabs opened the form while the activity was open; the first submit wins.
    for _tab in ("first", "second"):
        assert (
            'name="plan"' in rep_client.get(url("activity-complete", activity.pk)).content.decode()
        )
    due = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    step = {
        "plan": "plan",
        "next_type": "demo",
        "next_due_at": due,
        "next": deal.get_absolute_url(),
    }
    rep_client.post(url("activity-complete", activity.pk), {**step, "next_subject": "Demo"})
    response = rep_client.post(
        url("activity-complete", activity.pk),
        {**step, "outcome": "Second tab", "next_subject": "Demo again"},
        follow=True,
    )
    assert "This activity is already done." in response.content.decode()
    assert list(Activity.objects.filter(follows=activity).values_list("subject", flat=True)) == [
        "Demo"
    ]
    activity.refresh_from_db()
    assert activity.outcome != "Second tab"
    deal.refresh_from_db()
    assert deal.open_activity_count == 1


def test_a_refused_next_step_leaves_the_activity_open(rep_client, activity):
    response = rep_client.post(
        url("activity-complete", activity.pk),
        {"plan": "plan", "next_type": "call", "next_subject": "", "next_due_at": ""},
    )
    assert response.status_code == 200
    assert "Required for the next step." in response.content.decode()
    activity.refresh_from_db()
    assert activity.done_at is None
    assert not Activity.objects.filter(follows=activity).exists()


def test_delete_after_confirmation(rep_client, activity, deal):
    assert rep_client.get(url("activity-delete", activity.pk)).status_code == 200
    response = rep_client.post(url("activity-delete", activity.pk))
    assert response["Location"] == deal.get_absolute_url()
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_delete_is_forbidden_when_read_only(rep_client, public_activity):
    assert rep_client.post(url("activity-delete", public_activity.pk)).status_code == 403


@pytest.mark.parametrize("name", ["activity-list", "activity-create", "activity-edit"])
def test_pages_require_login(client, activity, name):
    args = [activity.pk] if name == "activity-edit" else []
    response = client.get(url(name, *args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
