"""Back on a list page shows the sort menu and the filters that drew its rows: htmx restores the
page it saved, whose menus would otherwise say the default (or a later choice); the list's
js/list_state.js sets them from the restored address. Desktop and phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tab(tab):
    """The shared desktop-and-phone tab (conftest), with no console error allowed."""
    yield tab
    assert tab.console_errors == []


def _log_in(page):
    rep = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=TeamFactory())
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile("/login/"))
    return rep


def _next_page(page, number):
    page.locator("nav.pagination a[rel=next]").first.click()
    expect(page).to_have_url(re.compile(rf"page={number}"))
    expect(page.locator("nav.pagination [aria-current=page]")).to_contain_text(f"Page {number}")


def test_back_on_a_sorted_lead_list_shows_the_sort_it_was_drawn_with(tab):
    rep = _log_in(tab)
    for index in range(60):
        LeadFactory(owner=rep, last_name=f"Lead {index:02d}")
    tab.goto("/leads/")
    tab.get_by_label("Sort by").select_option("-created")
    expect(tab).to_have_url(re.compile(r"sort=-created"))
    _next_page(tab, 2)
    _next_page(tab, 3)

    tab.go_back()

    expect(tab).to_have_url(re.compile(r"sort=-created.*page=2"))
    expect(tab.locator("nav.pagination [aria-current=page]")).to_contain_text("Page 2")
    expect(tab.get_by_label("Sort by")).to_have_value("-created")

    # Out to a lead and back: still the sort of the rows.
    tab.locator("#results tbody th a").first.click()
    expect(tab).to_have_url(re.compile(r"/leads/\d+/"))
    tab.go_back()
    expect(tab).to_have_url(re.compile(r"sort=-created"))
    expect(tab.get_by_label("Sort by")).to_have_value("-created")


@pytest.mark.parametrize(
    ("path", "label", "first", "then"),
    [
        ("/deals/", "Outcome", "open", "lost"),
        ("/accounts/", "Tier", "A", "B"),
        ("/accounts/contacts/", "Consent", "yes", "dnc"),
    ],
)
def test_back_after_changing_a_filter_shows_the_earlier_choice(tab, path, label, first, then):
    rep = _log_in(tab)
    DealFactory(owner=rep, name="Acme renewal")
    AccountFactory(owner=rep, name="Acme", tier="A")
    ContactFactory(owner=rep, last_name="Acme", has_consent=True)
    tab.goto(path)
    tab.locator("#id_q").fill("Acme")
    expect(tab).to_have_url(re.compile(r"q=Acme"))
    menu = tab.locator("form.filters").get_by_label(label, exact=True)
    menu.select_option(first)
    expect(tab).to_have_url(re.compile(rf"=\b{first}\b"))
    menu.select_option(then)
    expect(tab).to_have_url(re.compile(rf"=\b{then}\b"))

    tab.go_back()

    expect(tab).to_have_url(re.compile(rf"=\b{first}\b"))
    expect(menu).to_have_value(first)
    expect(tab.locator("#id_q")).to_have_value("Acme")

    tab.go_back()

    expect(menu).to_have_value("")
    expect(tab.locator("#id_q")).to_have_value("Acme")
