"""Saved views and bulk actions on the lists, in the browser, on a desktop and a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.listviews.models import SavedView
from tests.browser.conftest import VIEWPORTS
from tests.factories import DealFactory, TeamFactory, UserFactory, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _shot(page, name):
    """A full-page screenshot of this tab when SALESFLOW_SCREENSHOTS names a folder."""
    folder = os.environ.get("SALESFLOW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = Path(folder) / f"{name}-{page.viewport_name}.png"
        page.screenshot(path=str(path), full_page=True, caret="initial")


def _log_in(page):
    rep = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=TeamFactory())
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return rep


def test_save_a_view_reload_and_choose_it(tab):
    rep = _log_in(tab)
    DealFactory(owner=rep, name="Acme renewal")
    DealFactory(owner=rep, name="Globex pilot")
    tab.goto("/deals/?q=Acme")
    expect(tab.locator("#results")).not_to_contain_text("Globex pilot")
    bar = tab.locator("#views-bar")
    bar.get_by_text("Save current view as…").click()
    bar.get_by_label("Name").fill("Acme deals")
    bar.get_by_role("button", name="Save view").click()
    expect(tab.get_by_text("View “Acme deals” saved.")).to_be_visible()
    assert SavedView.objects.get(name="Acme deals").query == "q=Acme"

    tab.goto("/deals/")
    expect(tab.locator("#results")).to_contain_text("Globex pilot")
    tab.locator("#views-bar").get_by_role("link", name="Acme deals").click()
    expect(tab.locator("#results")).to_contain_text("Acme renewal")
    expect(tab.locator("#results")).not_to_contain_text("Globex pilot")
    expect(tab.locator("#views-bar").get_by_role("link", name="Acme deals")).to_have_attribute(
        "aria-current", "true"
    )
    _shot(tab, "lists-saved-view")
    assert tab.console_errors == []


def test_select_three_deals_move_stage_and_see_the_refused(tab):
    rep = _log_in(tab)
    for name in ("Alpha", "Bravo"):
        DealFactory(owner=rep, name=name, stage=stage_named("Presentation / demo"))
    DealFactory(owner=rep, name="Charlie", stage=stage_named("Qualification"))
    tab.goto("/deals/")
    tab.get_by_label("Select all on this page").check()
    for name in ("Alpha", "Bravo", "Charlie"):
        expect(tab.get_by_label(f"Select {name}")).to_be_checked()
    tab.get_by_label("With the selected").select_option(label="Move stage")
    tab.locator("#bulk-form").get_by_role("button", name="Apply").click()
    expect(tab.get_by_role("heading", name="Move stage: 3 selected")).to_be_visible()
    tab.get_by_label("Move to stage").select_option(label="Needs assessment")
    _shot(tab, "lists-bulk-confirm")
    tab.get_by_role("button", name="Move stage").click()
    message = tab.locator("#messages")
    expect(message).to_contain_text("2 moved, 1 refused: Charlie: This deal cannot leave")
    _shot(tab, "lists-bulk-result")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[tab.viewport_name]["width"] + 1 or tab.viewport_name == "desktop"
    assert tab.console_errors == []
