"""One walk through the main flow in a real browser: sign in, My day, deals, a stage move."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.models import Pipeline, Stage
from salesflow.pipeline.services import deal_move
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    DealFactory,
    TeamFactory,
    UserFactory,
    stage_named,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def quick_sale() -> dict[str, Stage]:
    """A short pipeline without exit criteria, so the move depends on the page alone."""
    pipeline = Pipeline.objects.create(name="Quick sale")
    stages = [("New", 10, "open"), ("Demo", 40, "open"), ("Offer", 70, "open")]
    stages += [("Won", 100, "won"), ("Lost", 0, "lost")]
    return {
        name: Stage.objects.create(
            pipeline=pipeline, name=name, position=position, probability=probability, kind=kind
        )
        for position, (name, probability, kind) in enumerate(stages, 1)
    }


def test_rep_signs_in_finds_a_deal_and_moves_it(page, screenshot):
    rep = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    stages = quick_sale()
    account = AccountFactory(owner=rep, name="Acme Logistics")
    fleet = DealFactory(
        owner=rep,
        account=account,
        name="Fleet renewal",
        amount=48000,
        pipeline=stages["New"].pipeline,
    )
    DealFactory(owner=rep, name="Printer lease", amount=6000)
    DealFactory(owner=rep, name="Cloud migration", amount=120000, stage=stage_named("Closing"))
    deal_move(fleet, to_stage=stages["Demo"], acting_user=rep)
    ActivityFactory(
        owner=rep,
        deal=fleet,
        subject="Call the fleet manager",
        due_at=timezone.now() - dt.timedelta(days=1),
    )

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="My day", level=1)).to_be_visible()
    # Deferred scripts run after parsing: wait for htmx instead of racing the page load.
    page.wait_for_function("typeof htmx === 'object'", timeout=10_000)
    expect(page.locator("#agenda").get_by_role("link", name="Fleet renewal")).to_be_visible()
    screenshot("dashboard")

    # Done opens the complete form in place (htmx); marking it done comes back to My day
    # (tests/browser/test_next_steps.py plays the next-step choices).
    page.get_by_role("link", name="Done: Call the fleet manager").click()
    form = page.get_by_role("form", name="Complete Call the fleet manager")
    form.get_by_label("No next step", exact=True).check()
    form.get_by_label("Why no next step").fill("The offer goes out by post")
    form.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Done: Call the fleet manager.")).to_be_visible()
    expect(page.get_by_text("Nothing due today.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deals").click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_role("searchbox", name="Search", exact=True).fill("fleet")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=fleet"))
    screenshot("deal-list")

    page.get_by_role("link", name="Fleet renewal").click()
    expect(page.get_by_role("heading", name="Fleet renewal", level=1)).to_be_visible()
    history = page.get_by_role("region", name="Stage history")
    expect(history).to_contain_text("New → Demo")
    expect(page.locator('[aria-current="step"]')).to_contain_text("Demo")

    page.get_by_label("Move to stage").select_option(label="Offer")
    page.get_by_role("button", name="Move deal").click()
    expect(page.get_by_text("Moved to Offer.")).to_be_visible()
    expect(history).to_contain_text("Demo → Offer")
    expect(page.locator('[aria-current="step"]')).to_contain_text("Offer")
    screenshot("deal")

    assert page.console_errors == []
