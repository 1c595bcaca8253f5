"""Completing a call from the deal page with its next step, in the browser: the Done form opens
in the timeline, the follow-up appears, and the deal's next step moves from overdue to planned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.activities.models import Activity
from tests.factories import ActivityFactory, DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_call_completed_from_the_deal_page_plans_the_next_step(page, screenshot):
    rep = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    deal = DealFactory(owner=rep, name="Fleet renewal")
    call = ActivityFactory(
        owner=rep,
        deal=deal,
        type="call",
        subject="Call the fleet manager",
        due_at=timezone.now() - dt.timedelta(days=1),
    )

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/deals/{deal.pk}/")
    header = page.locator("#deal-next-step")
    expect(header).to_contain_text("Next step overdue")

    page.get_by_role("link", name="Done: Call the fleet manager").click()
    form = page.get_by_role("form", name="Complete Call the fleet manager")
    expect(form).to_be_visible()
    # The "no next step" reason shows only once that choice is made.
    expect(form.get_by_label("Why no next step")).to_be_hidden()
    form.get_by_label("Outcome").fill("Wants to see it working")
    form.get_by_label("Plan the next step").check()
    form.get_by_label("Type", exact=True).select_option("demo")
    form.get_by_label("Subject").fill("Demo for the fleet manager")
    due = timezone.localtime() + dt.timedelta(days=3)
    form.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    screenshot("next-step-complete-form")
    form.get_by_role("button", name="Mark done").click()

    expect(page.get_by_text("Next step: demo “Demo for the fleet manager”")).to_be_visible()
    expect(page.locator("#deal-next-step")).to_contain_text(f"Next {due.day} {due:%b}")
    next_step = page.locator("#panel-next-step")
    expect(next_step).to_contain_text("Demo for the fleet manager")
    timeline = page.locator("#panel-timeline")
    expect(timeline).to_contain_text("Outcome: Wants to see it working")

    screenshot("next-step-deal-after")
    follow_up = Activity.objects.get(follows=call)
    assert (follow_up.type, follow_up.deal_id, follow_up.owner_id) == ("demo", deal.pk, rep.pk)

    next_step.get_by_role("link", name="Demo for the fleet manager").click()
    chain = page.locator("#follow-up-chain")
    expect(chain).to_contain_text("Call the fleet manager")
    screenshot("next-step-activity-page")
    assert page.console_errors == []


def test_a_call_done_from_my_day_without_a_next_step_says_why(page, screenshot):
    rep = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=TeamFactory())
    deal = DealFactory(owner=rep, name="Fleet renewal")
    ActivityFactory(
        owner=rep,
        deal=deal,
        type="call",
        subject="Last call",
        due_at=timezone.now() - dt.timedelta(days=1),
    )
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    agenda = page.locator("#agenda")
    agenda.get_by_role("link", name="Done: Last call").click()
    form = page.get_by_role("form", name="Complete Last call")
    form.get_by_label("No next step", exact=True).check()
    expect(form.get_by_label("Subject")).to_be_hidden()
    form.get_by_label("Why no next step").fill("They chose another supplier")
    screenshot("next-step-my-day-form")
    form.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Done: Last call.")).to_be_visible()
    expect(page.locator("#agenda")).not_to_contain_text("Last call")
    needing = page.locator("#next-steps")
    expect(needing).to_contain_text("Fleet renewal")
    expect(needing).to_contain_text("No next step")
    assert page.console_errors == []
