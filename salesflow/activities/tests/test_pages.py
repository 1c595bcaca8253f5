"""What people see of next steps and follow-ups: the deal list, board and page, the activity
page with its chain and registered panels, and the paged account and contact timelines."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.activities.panels import TIMELINE_PAGE, activity_panels
from salesflow.activities.services import activity_complete_with_next_step
from salesflow.core.panels import Panel
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def deals(rep):
    now = timezone.now()
    bare = DealFactory(owner=rep, name="Bare deal")
    late = DealFactory(owner=rep, name="Late deal")
    ActivityFactory(owner=rep, deal=late, subject="Chase the buyer", due_at=now - dt.timedelta(1))
    planned = DealFactory(owner=rep, name="Planned deal")
    ActivityFactory(owner=rep, deal=planned, subject="Site visit", due_at=now + dt.timedelta(2))
    return {"bare": bare, "late": late, "planned": planned}


def test_the_deal_list_shows_and_filters_the_next_step(rep_client, deals):
    page = rep_client.get(reverse("pipeline:deal-list")).content.decode()
    assert "No next step" in page and "Next step overdue" in page
    filtered = rep_client.get(reverse("pipeline:deal-list"), {"next_step": "none"})
    names = [deal.name for deal in filtered.context["page_obj"]]
    assert names == ["Bare deal"]
    overdue = rep_client.get(reverse("pipeline:deal-list"), {"next_step": "overdue"})
    assert [deal.name for deal in overdue.context["page_obj"]] == ["Late deal"]


def test_the_deal_export_has_the_next_step(rep_client, deals):
    response = rep_client.get(reverse("pipeline:deal-list"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode() if response.streaming else ""
    text = text or response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert "next_activity_at" in rows[0]
    states = {row["name"]: row["next_step"] for row in rows}
    assert states == {"Bare deal": "none", "Late deal": "overdue", "Planned deal": "planned"}


def test_the_board_flags_cards_without_a_next_step_or_with_an_overdue_one(rep_client, deals):
    page = rep_client.get(reverse("board:board")).content.decode()
    card = page.split(f'id="deal-card-{deals["bare"].pk}"')[1].split("</li>")[0]
    assert 'data-next-step="none"' in card
    card = page.split(f'id="deal-card-{deals["late"].pk}"')[1].split("</li>")[0]
    assert 'data-next-step="overdue"' in card
    card = page.split(f'id="deal-card-{deals["planned"].pk}"')[1].split("</li>")[0]
    assert "data-next-step" not in card


@pytest.mark.parametrize("rows", [3, 15])
def test_the_board_flags_take_no_query_per_card(
    rep_client, rep, rows, django_assert_max_num_queries
):
    for index in range(rows):
        deal = DealFactory(owner=rep)
        if index % 2:
            ActivityFactory(owner=rep, deal=deal, due_at=timezone.now())
    with django_assert_max_num_queries(13):  # as without next steps (pipeline tests)
        assert rep_client.get(reverse("board:board")).status_code == 200


def test_the_deal_page_shows_its_next_step(rep_client, deals):
    page = rep_client.get(deals["late"].get_absolute_url()).content.decode()
    header = page.split('id="deal-next-step"')[1].split("</p>")[0]
    assert "Next step overdue" in header
    panel = page.split('id="panel-next-step"')[1].split("</section>")[0]
    assert "Chase the buyer" in panel and "Overdue" in panel
    page = rep_client.get(deals["bare"].get_absolute_url()).content.decode()
    assert "Nothing is planned on this deal." in page


def test_the_activity_page_shows_the_chain_and_the_registered_panels(
    rep_client, rep, deals, monkeypatch
):
    call = ActivityFactory(owner=rep, deal=deals["bare"], subject="First call")
    completed = activity_complete_with_next_step(
        call,
        acting_user=rep,
        outcome="Interested",
        next_step={"type": "meeting", "subject": "Meet the CFO", "due_at": timezone.now()},
    )
    monkeypatch.setattr(activity_panels, "_panels", {})
    activity_panels.register(Panel("probe", "activities/tests/probe_panel.html", slot="aside"))
    page = rep_client.get(reverse("activities:activity-detail", args=[call.pk])).content.decode()
    assert "Interested" in page and "Meet the CFO" in page and 'id="panel-probe"' in page
    url = reverse("activities:activity-detail", args=[completed.follow_up.pk])
    page = rep_client.get(url).content.decode()
    chain = page.split('id="follow-up-chain"')[1].split("</section>")[0]
    assert "First call" in chain


def test_the_activity_page_is_hidden_from_outsiders(deals, outsider, rep):
    call = ActivityFactory(owner=rep, deal=deals["bare"])
    url = reverse("activities:activity-detail", args=[call.pk])
    assert client_for(outsider).get(url).status_code == 404


def test_timelines_link_each_activity_to_its_page(rep_client, deals):
    page = rep_client.get(deals["late"].get_absolute_url()).content.decode()
    activity = deals["late"].activities.get()
    assert reverse("activities:activity-detail", args=[activity.pk]) in page


def test_the_account_timeline_is_paged(rep_client, rep):
    account = AccountFactory(owner=rep)
    for index in range(TIMELINE_PAGE + 5):
        ActivityFactory(owner=rep, deal=None, account=account, subject=f"Note {index:02d}")
    page = rep_client.get(account.get_absolute_url()).content.decode()
    assert "Note 24" in page and "Note 04" not in page and "Show older" in page
    more = rep_client.get(
        reverse("activities:account-timeline", args=[account.pk]),
        {"offset": TIMELINE_PAGE},
        **HTMX,
    ).content.decode()
    assert "<html" not in more and "Note 04" in more and "Note 00" in more
    assert "Note 05" not in more and "Show older" not in more


def test_the_contact_timeline_pages_without_javascript_too(rep_client, rep, outsider):
    contact = ContactFactory(owner=rep)
    for index in range(TIMELINE_PAGE + 1):
        ActivityFactory(owner=rep, deal=None, contact=contact, subject=f"Call {index:02d}")
    url = reverse("activities:contact-timeline", args=[contact.pk])
    page = rep_client.get(url, {"offset": TIMELINE_PAGE}).content.decode()
    assert "<html" in page and "Call 00" in page and "Call 01" not in page
    assert client_for(outsider).get(url).status_code == 404


def test_the_activity_page_draws_every_panel_registered_by_other_apps(rep_client, rep, deals):
    call = ActivityFactory(owner=rep, deal=deals["bare"], subject="Recorded call")
    response = rep_client.get(reverse("activities:activity-detail", args=[call.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for panel in activity_panels.panels():
        assert f'id="{panel.anchor}"' in page, panel.name
