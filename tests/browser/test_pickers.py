"""Record pickers in the browser: search as you type, choose with the keyboard, save; the new
deal's primary contact narrowed to the chosen account. Desktop and phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.activities.models import Activity
from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory, ContactFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _type(page, control, typed: str) -> None:
    """Type into a picker as a person does, until the server's answer for it is shown."""
    control.focus()  # the keyboard way in (Tab reaches it too)
    with page.expect_response(lambda r: "/search/pick/" in r.url and f"q={typed}" in r.url):
        control.press_sequentially(typed, delay=60)
    page.wait_for_timeout(100)  # the answer is drawn


def _choose_with_keyboard(page, control, typed: str, wanted: str) -> None:
    """Type into a picker, walk the results with the arrow keys to `wanted`, press Enter."""
    _type(page, control, typed)
    dropdown = page.locator(".ts-dropdown:visible")
    expect(dropdown.locator(".option", has_text=wanted)).to_be_visible()
    for _ in range(10):
        active = dropdown.locator(".option.active")
        if active.count() and wanted in active.inner_text():
            break
        control.press("ArrowDown")
    expect(dropdown.locator(".option.active")).to_contain_text(wanted)
    control.press("Enter")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_log_activity_contact_picked_by_typing_and_keyboard(page, screenshot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    rep = UserFactory(username="rita", first_name="Rita", team=TeamFactory(name="North"))
    outsider = UserFactory(username="otto", team=TeamFactory(name="South"))
    ContactFactory(owner=rep, first_name="Bergit", last_name="Zander")
    wanted = ContactFactory(owner=rep, first_name="Bernd", last_name="Alpha")
    ContactFactory(owner=outsider, first_name="Bernadette", last_name="Hidden")
    for n in range(30):  # more contacts than the page offers before typing
        ContactFactory(owner=rep, first_name="Other", last_name=f"Person {n}")

    _log_in(page, "rita")
    page.goto("/activities/new/")
    page.get_by_label("Type", exact=True).select_option("call")
    page.get_by_label("Subject").fill("Intro call")
    control = page.get_by_role("combobox", name="Contact", exact=True)
    _choose_with_keyboard(page, control, "ber", "Bernd Alpha")
    # Only readable contacts were offered.
    expect(page.locator(".ts-dropdown .option", has_text="Bernadette")).to_have_count(0)
    control.press("Escape")
    expect(page.locator("#id_contact")).to_have_value(str(wanted.pk))
    screenshot(f"pickers-log-activity-{viewport}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Activity “Intro call” logged.")).to_be_visible(timeout=20_000)
    assert Activity.objects.get(subject="Intro call").contact_id == wanted.pk
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_new_deal_primary_contact_narrowed_to_the_chosen_account(page, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    rep = UserFactory(username="rita", first_name="Rita", team=TeamFactory(name="North"))
    acme = AccountFactory(owner=rep, name="Acme Tools")
    other = AccountFactory(owner=rep, name="Otherway Ltd")
    at_acme = ContactFactory(owner=rep, account=acme, first_name="Anna", last_name="Acme")
    ContactFactory(owner=rep, account=other, first_name="Anna", last_name="Otherway")

    _log_in(page, "rita")
    page.goto("/deals/new/")
    page.get_by_label("Name", exact=True).fill("Tooling rollout")
    _choose_with_keyboard(
        page, page.get_by_role("combobox", name="Account", exact=True), "acm", "Acme Tools"
    )
    expect(page.locator("#id_account")).to_have_value(str(acme.pk))

    contact = page.get_by_role("combobox", name="Primary contact", exact=True)
    _type(page, contact, "ann")
    dropdown = page.locator(".ts-dropdown:visible")
    expect(dropdown.locator(".option", has_text="Anna Acme")).to_be_visible()
    expect(dropdown.locator(".option", has_text="Anna Otherway")).to_have_count(0)
    contact.press("Enter")
    expect(page.locator("#id_primary_contact")).to_have_value(str(at_acme.pk))

    # Another account empties the primary contact and narrows it to that account.
    _choose_with_keyboard(
        page, page.get_by_role("combobox", name="Account", exact=True), "oth", "Otherway Ltd"
    )
    expect(page.locator("#id_primary_contact")).to_have_value("")
    _type(page, contact, "ann")
    expect(dropdown.locator(".option", has_text="Anna Otherway")).to_be_visible()
    expect(dropdown.locator(".option", has_text="Anna Acme")).to_have_count(0)
    contact.press("Escape")

    # Back to Acme and Anna, then save: the deal has both.
    _choose_with_keyboard(
        page, page.get_by_role("combobox", name="Account", exact=True), "acm", "Acme Tools"
    )
    _choose_with_keyboard(page, contact, "ann", "Anna Acme")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Tooling rollout")).to_be_visible(timeout=20_000)
    deal = Deal.objects.get(name="Tooling rollout")
    assert (deal.account_id, deal.primary_contact_id) == (acme.pk, at_acme.pk)
    assert page.console_errors == []
