from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from salesflow.pipeline.models import Outcome
from salesflow.pipeline.services import deal_close
from tests.factories import AccountFactory, ActivityFactory, DealFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def noon(time_machine):
    time_machine.move_to(NOON)
    return NOON


def test_dashboard_groups_my_open_deals_by_stage_with_sums(rep_client, rep, teammate):
    DealFactory(owner=rep, name="Alpha", amount=10000)
    DealFactory(owner=rep, name="Beta", amount=2500)
    DealFactory(owner=rep, name="Gamma", amount=7000, stage=stage_named("Closing"))
    DealFactory(owner=teammate, name="Not mine", amount=99000)
    lost = DealFactory(owner=rep, name="Gone", amount=50000)
    deal_close(lost, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())
    response = rep_client.get(reverse("pages:dashboard"))
    cards = {card["name"]: card for card in response.context["stages"]}
    assert set(cards) == {"Prospecting", "Closing"}
    assert cards["Prospecting"]["count"] == 2
    assert cards["Prospecting"]["totals"] == [("EUR", 12500)]
    content = response.content.decode()
    assert "EUR 12,500" in content and "Gamma" in content
    assert "Not mine" not in content and "Gone" not in content


def test_dashboard_lists_overdue_and_today_with_done_buttons(rep_client, rep, noon):
    ActivityFactory(owner=rep, subject="Late call", due_at=noon - dt.timedelta(days=2))
    ActivityFactory(owner=rep, subject="Call at three", due_at=noon + dt.timedelta(hours=3))
    ActivityFactory(owner=rep, subject="Next week", due_at=noon + dt.timedelta(days=7))
    ActivityFactory(
        owner=rep, subject="Already done", due_at=noon, done_at=noon - dt.timedelta(hours=1)
    )
    response = rep_client.get(reverse("pages:dashboard"))
    assert [a.subject for a in response.context["overdue"]] == ["Late call"]
    assert [a.subject for a in response.context["today"]] == ["Call at three"]
    content = response.content.decode()
    assert "Next week" not in content and "Already done" not in content
    assert content.count('aria-label="Done: ') == 2


def test_done_button_completes_and_returns_to_the_dashboard(rep_client, rep, noon):
    activity = ActivityFactory(owner=rep, subject="Late call", due_at=noon - dt.timedelta(days=1))
    complete = reverse("activities:activity-complete", args=[activity.pk])
    form = rep_client.get(complete, {"next": reverse("pages:dashboard")}, HTTP_HX_REQUEST="true")
    assert "<html" not in form.content.decode() and "Why no next step" in form.content.decode()
    response = rep_client.post(
        complete,
        {
            "next": reverse("pages:dashboard"),
            "outcome": "Reached them",
            "plan": "plan",
            "next_type": "meeting",
            "next_subject": "Meet the buyer",
            "next_due_at": (noon + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("pages:dashboard")
    assert "Done: Late call" in response.content.decode()
    assert [a.subject for a in response.context["today"]] == ["Meet the buyer"]
    assert list(response.context["overdue"]) == []


def test_my_day_lists_my_deals_needing_a_next_step(rep_client, rep, teammate, noon):
    DealFactory(owner=rep, name="Nothing planned")
    late = DealFactory(owner=rep, name="Late one")
    ActivityFactory(owner=rep, deal=late, due_at=noon - dt.timedelta(days=3))
    fine = DealFactory(owner=rep, name="On track")
    ActivityFactory(owner=rep, deal=fine, due_at=noon + dt.timedelta(days=3))
    DealFactory(owner=teammate, name="Teammate's deal")
    closed = DealFactory(owner=rep, name="Closed one")
    deal_close(closed, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())

    response = rep_client.get(reverse("pages:dashboard"))

    assert [d.name for d in response.context["needing_next_step"]] == [
        "Nothing planned",
        "Late one",
    ]
    section = response.content.decode().split('id="next-steps"')[1].split("</section>")[0]
    assert "No next step" in section and "Next step overdue" in section
    assert "On track" not in section and "Teammate" not in section


def test_dashboard_shows_the_page_shell(rep_client, rep, admin_user):
    content = rep_client.get(reverse("pages:dashboard")).content.decode()
    assert 'href="#main"' in content and '<main id="main"' in content
    assert 'hx-headers=\'{"X-CSRFToken"' in content
    assert 'action="/logout/"' in content and "Admin" not in content
    assert "vendor/htmx.min.js" in content


def test_dashboard_shows_the_admin_link_to_admins(admin_user):
    from conftest import client_for

    content = client_for(admin_user).get(reverse("pages:dashboard")).content.decode()
    assert 'href="/admin/"' in content


@pytest.mark.parametrize("rows", [5, 30])
def test_dashboard_query_count_does_not_grow(
    rep_client, rep, noon, rows, django_assert_max_num_queries
):
    stages = [stage_named("Prospecting"), stage_named("Qualification"), stage_named("Closing")]
    for index in range(rows):
        deal = DealFactory(owner=rep, stage=stages[index % 3], account=AccountFactory(owner=rep))
        ActivityFactory(owner=rep, deal=deal, due_at=noon - dt.timedelta(hours=index))
    with django_assert_max_num_queries(8):  # +1: deals needing a next step
        assert rep_client.get(reverse("pages:dashboard")).status_code == 200


def test_dashboard_requires_login(client):
    response = client.get(reverse("pages:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_page_renders_a_labelled_form(client):
    content = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in content and '<label for="id_password">' in content


def test_login_with_a_wrong_password_shows_an_error(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_not_found_page_uses_the_layout(rep_client):
    response = rep_client.get("/deals/999999/")
    assert response.status_code == 404
