"""The global search in the browser, on a desktop and a phone: typing in the header box opens a
drop-down of hits grouped by kind, arrow keys and Enter open a record, Escape closes it, Enter
with nothing chosen opens the search page; and axe finds nothing serious on either."""

from __future__ import annotations

import re
from pathlib import Path

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

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto("/accounts/")  # any page: the box is in the header of every one
    expect(page.locator("#global-search-q")).to_be_visible()


def serious_axe_violations(page) -> list[str]:
    # Evaluated through the devtools protocol: the site's CSP (kept on, to catch what the search
    # script would break) refuses inline scripts.
    page.evaluate(AXE.read_text() + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_typing_in_the_header_box_shows_hits_by_kind_and_arrows_and_enter_open_one(
    page, screenshot, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    rep = UserFactory(username="rita", team=TeamFactory(name="North"))
    account = AccountFactory(owner=rep, name="Acme Logistics")
    contact = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Acme")
    LeadFactory(owner=rep, first_name="Al", last_name="Acmeson", company="Acme Freight")
    DealFactory(owner=rep, account=account, name="Acme fleet renewal")
    LeadFactory(first_name="Hidden", last_name="Acmeier")  # another team's: never shown
    sign_in(page, "rita")

    box = page.locator("#global-search-q")
    box.click()
    # Focused, the box is wide enough to type in whatever the width; the page does not pan
    # sideways, and on a desktop the box stays in the header's first row, by the brand.
    expect(box).to_be_focused()
    page.wait_for_timeout(250)  # the box widens with a short transition
    assert box.bounding_box()["width"] >= 120
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    brand = page.locator(".brand").bounding_box()
    assert abs(box.bounding_box()["y"] - brand["y"]) < 30
    box.press_sequentially("acm", delay=40)
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    for label in ("Leads", "Contacts", "Accounts", "Deals"):
        expect(listbox.get_by_role("group", name=label)).to_be_visible()
    expect(listbox.get_by_role("option", name="Ada Acme")).to_be_visible()
    expect(listbox).not_to_contain_text("Hidden")
    expect(page.locator("#global-search-status")).to_have_text("Top 4 results")
    screenshot(f"search-dropdown-{viewport}")
    assert serious_axe_violations(page) == []

    # Escape closes; typing more opens again with fewer hits.
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("e ada", delay=40)
    expect(listbox.get_by_role("option")).to_have_count(2)  # Ada Acme and "All results"
    box.press("ArrowDown")
    option = listbox.get_by_role("option", name="Ada Acme")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", f"gs-contact-{contact.pk}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/contacts/{contact.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Acme")
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_enter_without_a_choice_opens_the_search_page_grouped_by_kind(page, screenshot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    rep = UserFactory(username="rita", team=TeamFactory(name="North"))
    account = AccountFactory(owner=rep, name="Borealis Energy")
    for i in range(7):
        ContactFactory(owner=rep, account=account, first_name=f"Bo{i}", last_name="Borealis")
    sign_in(page, "rita")

    box = page.locator("#global-search-q")
    box.fill("borealis")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Search")).to_be_visible()
    expect(page.locator(".result-count")).to_have_text("8 results for “borealis”")
    contacts = page.get_by_role("region", name="Contacts 7")
    expect(contacts.get_by_role("link")).to_have_count(6)  # five hits and "All 7 contacts"
    screenshot(f"search-page-{viewport}")
    assert serious_axe_violations(page) == []
    contacts.get_by_role("link", name="All 7 contacts").click()
    expect(page.locator(".search-hits a")).to_have_count(7)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    assert page.console_errors == []
