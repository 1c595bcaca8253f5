"""The Kanban board in a real browser: drag a deal, see the exit criteria refuse it, satisfy
them, drag again; close a deal as won and find it in the Won column."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.models import Deal
from salesflow.pipeline.services import deal_qualification_record
from tests.factories import AccountFactory, DealFactory, TeamFactory, UserFactory, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def column(page, stage_name: str):
    return page.locator(".board-column", has=page.get_by_role("heading", name=stage_name))


def drag(page, card, target) -> None:
    """Drag with many small mouse moves, as a hand does (SortableJS's fallback mode needs them)."""
    card.scroll_into_view_if_needed()
    start = card.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    end = target.bounding_box()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=20)
    page.mouse.up()


def header_count(page, stage_name: str):
    return column(page, stage_name).locator(".board-column__title .count")


def test_rep_drags_a_deal_through_the_exit_criteria_and_wins_another(page, screenshot):
    rep = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    account = AccountFactory(owner=rep, name="Acme Logistics")
    fleet = DealFactory(
        owner=rep,
        account=account,
        name="Fleet renewal",
        amount=48000,
        stage=stage_named("Qualification"),
    )
    DealFactory(owner=rep, name="Printer lease", amount=6000, stage=stage_named("Qualification"))
    DealFactory(
        owner=rep,
        name="Warehouse scanners",
        amount=22000,
        stage=stage_named("Presentation / demo"),
        stage_entered_at=timezone.now() - dt.timedelta(days=30),
    )
    DealFactory(owner=rep, name="Cloud migration", amount=120000, stage=stage_named("Closing"))

    page.goto("/login/?next=/board/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Board", level=1)).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Board")
    ).to_have_attribute("aria-current", "page")
    # Deferred scripts run after parsing: wait for them rather than racing the page load.
    page.wait_for_function("typeof Sortable === 'function'", timeout=10_000)
    page.wait_for_selector("[data-sortable='on']", state="attached", timeout=10_000)

    qualification, needs = column(page, "Qualification"), column(page, "Needs assessment")
    card = qualification.locator(".board-card", has_text="Fleet renewal")
    expect(card).to_be_visible()
    expect(header_count(page, "Qualification")).to_have_text(re.compile(r"\b2\b"))
    expect(qualification.locator(".board-column__total")).to_contain_text("EUR 54,000")
    stale = column(page, "Presentation / demo").locator(".board-card", has_text="Warehouse")
    expect(stale.get_by_text("Rotting")).to_be_visible()
    expect(stale.get_by_text("No decision maker")).to_be_visible()
    screenshot("board")

    # First drop: BANT is missing, so the card snaps back and says what is missing.
    drag(page, card, needs.locator(".board-cards"))
    refusal = card.get_by_role("alert")
    expect(refusal).to_contain_text("Not moved to Needs assessment.")
    expect(refusal).to_contain_text("BANT: record the budget.")
    expect(refusal).to_contain_text("BANT: record who decides (authority).")
    expect(qualification.locator(".board-card", has_text="Fleet renewal")).to_be_visible()
    expect(needs.locator(".board-card")).to_have_count(0)
    expect(refusal.get_by_role("button", name="Move anyway")).to_have_count(0)  # reps cannot
    screenshot("board-refused")

    deal_qualification_record(
        Deal.objects.get(pk=fleet.pk),
        acting_user=rep,
        budget_amount=50000,
        is_budget_confirmed=True,
        is_decision_maker=True,
        decision_maker_name="Dana Decider",
        need="Route planning across 40 trucks",
        pain_level=4,
        timeline_on=timezone.localdate() + dt.timedelta(days=60),
    )
    page.reload()

    # Second drop: the card lands, and both column headers update without a reload.
    page.evaluate("window.notReloaded = true")
    card = qualification.locator(".board-card", has_text="Fleet renewal")
    drag(page, card, needs.locator(".board-cards"))
    moved = needs.locator(".board-card", has_text="Fleet renewal")
    expect(moved).to_be_visible()
    expect(moved.get_by_role("alert")).to_have_count(0)
    expect(header_count(page, "Needs assessment")).to_have_text(re.compile(r"\b1\b"))
    expect(header_count(page, "Qualification")).to_have_text(re.compile(r"\b1\b"))
    expect(needs.locator(".board-column__total")).to_contain_text("EUR 48,000")
    expect(page.locator("#board-status")).to_have_text("Moved “Fleet renewal” to Needs assessment.")
    assert page.evaluate("window.notReloaded") is True
    assert Deal.objects.get(pk=fleet.pk).stage.name == "Needs assessment"
    screenshot("board-moved")

    # The keyboard path: the card's own Move form.
    printer = qualification.locator(".board-card", has_text="Printer lease")
    printer.locator("summary", has_text="Move").click()
    printer.get_by_label("Move to stage").select_option(label="Needs assessment")
    printer.get_by_role("button", name="Move", exact=True).click()
    expect(printer.get_by_role("alert")).to_contain_text("BANT: record the budget.")

    # Close a deal as won from its page, then find it in the Won column.
    column(page, "Closing").get_by_role("link", name="Cloud migration").click()
    expect(page.get_by_role("heading", name="Cloud migration", level=1)).to_be_visible()
    page.get_by_role("radio", name="Won").check()
    page.get_by_role("button", name="Close deal").click()
    expect(page.get_by_text("Deal closed as won.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board").click()
    won = column(page, "Won")
    expect(won.locator(".board-card", has_text="Cloud migration")).to_be_visible()
    expect(header_count(page, "Won")).to_have_text(re.compile(r"\b1\b"))
    expect(column(page, "Closing").locator(".board-card")).to_have_count(0)
    won.scroll_into_view_if_needed()
    screenshot("board-won")

    assert page.console_errors == []


def test_manager_moves_a_deal_on_early_with_a_reason(page, screenshot):
    north = TeamFactory(name="North")
    manager = UserFactory(username="maya", first_name="Maya", last_name="Manager", team=north)
    manager.role = "manager"
    manager.save(update_fields=["role"])
    rep = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=north)
    deal = DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))

    page.goto("/login/?next=/board/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    qualification, needs = column(page, "Qualification"), column(page, "Needs assessment")
    card = qualification.locator(".board-card", has_text="Fleet renewal")
    drag(page, card, needs.locator(".board-cards"))
    refusal = card.get_by_role("alert")
    expect(refusal).to_contain_text("BANT: record the need.")
    refusal.get_by_label("Override reason").fill("Budget confirmed by the CFO on the phone")
    screenshot("board-override")
    refusal.get_by_role("button", name="Move anyway").click()
    moved = needs.locator(".board-card", has_text="Fleet renewal")
    expect(moved).to_be_visible()
    expect(moved.get_by_role("link", name="Fleet renewal")).to_be_focused()
    expect(header_count(page, "Needs assessment")).to_have_text(re.compile(r"\b1\b"))
    expect(header_count(page, "Qualification")).to_have_text(re.compile(r"\b0\b"))
    change = Deal.objects.get(pk=deal.pk).stage_changes.order_by("-pk").first()
    assert change.override_reason == "Budget confirmed by the CFO on the phone"
    assert page.console_errors == []
