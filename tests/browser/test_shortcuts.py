"""Keyboard shortcuts in the browser: / focuses search, n opens quick add, g goes places, j/k
walk the list the user came from, ? shows every shortcut; none fires while typing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.factories import DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def arrived(page, path: str) -> None:
    """At `path`, with the page's scripts run (keys pressed earlier would reach no handler)."""
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    page.wait_for_load_state("load")


@pytest.fixture
def rita(page):
    user = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("load")
    return user


def test_slash_focuses_search_and_typing_fires_nothing(page, rita):
    page.keyboard.press("/")
    search = page.locator("#global-search-q")
    expect(search).to_be_focused()
    page.keyboard.type("ng?")
    expect(search).to_have_value("ng?")
    expect(page.locator("dialog[open]")).to_have_count(0)
    assert page.url.endswith("/")


def test_n_opens_quick_add_by_kind_or_the_chooser(page, rita):
    page.keyboard.press("n")
    page.keyboard.press("c")
    dialog = page.get_by_role("dialog", name="New contact")
    expect(dialog.get_by_label("First name")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("n")  # no kind follows: the chooser, where a letter picks the kind
    chooser = page.get_by_role("dialog", name="What do you want to add?")
    expect(chooser).to_be_visible()
    page.keyboard.press("t")
    expect(page.get_by_role("dialog", name="New activity").get_by_label("Type")).to_be_focused()


def test_modifiers_never_fire_shortcuts(page, rita):
    page.keyboard.press("Alt+n")
    page.keyboard.press("Control+/")
    page.wait_for_timeout(1500)
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#global-search-q")).not_to_be_focused()


def test_escape_after_n_cancels_it(page, rita):
    page.keyboard.press("n")
    page.keyboard.press("Escape")  # changed their mind before a kind letter
    page.wait_for_timeout(1500)  # longer than the wait for a kind letter
    expect(page.locator("dialog[open]")).to_have_count(0)


def test_g_goes_to_the_lists(page, rita):
    for key, path in [("d", "/deals/"), ("l", "/leads/"), ("a", "/accounts/"), ("b", "/board/"),
                      ("h", "/")]:  # fmt: skip
        page.keyboard.press("g")
        page.keyboard.press(key)
        arrived(page, path)


def test_j_and_k_walk_the_list_the_user_came_from(page, rita, screenshot):
    for name in ("Alpha", "Beta", "Gamma"):
        DealFactory(owner=rita, name=name)
    page.goto("/deals/")
    urls = page.locator("[data-record-list]").get_attribute("data-record-list").split()
    assert len(urls) == 3
    page.goto(urls[0])
    pager = page.get_by_role("navigation", name="Records of your list")
    expect(pager).to_contain_text("1 of 3")
    page.keyboard.press("j")
    arrived(page, urls[1])
    expect(pager).to_contain_text("2 of 3")
    screenshot("shortcuts-record-pager")
    page.keyboard.press("j")
    arrived(page, urls[2])
    page.keyboard.press("j")  # the last one: stays
    page.keyboard.press("k")
    arrived(page, urls[1])
    pager.get_by_role("link", name="Previous").click()
    arrived(page, urls[0])
    pager.get_by_role("link", name="Back to Deals").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))


def test_question_mark_and_the_footer_link_show_every_shortcut(page, rita, screenshot):
    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(overlay).to_be_visible()
    for text in ("Search", "New deal", "Next record", "Go to deals", "Go to my day"):
        expect(overlay).to_contain_text(text)
    screenshot("shortcuts-overlay")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()

    footer_link = page.get_by_role("contentinfo").get_by_role("link", name="Keyboard shortcuts")
    footer_link.click()
    expect(overlay).to_be_visible()
    overlay.get_by_role("button", name="Close").click()
    expect(overlay).to_be_hidden()
    expect(footer_link).to_be_focused()
    assert page.console_errors == []
