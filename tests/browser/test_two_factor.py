"""Two-factor sign-in in the browser, on a desktop and a phone: an admin signs in with the code
an authenticator app would show, and an admin without one is made to set it up first."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.users.models import Role
from salesflow.users.tests.twofactor_helpers import code_for
from tests.browser.test_accessibility import AXE
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
AXE_SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}"""


@pytest.fixture(autouse=True)
def _admins_must_use_two_factor(settings) -> None:
    settings.SALESFLOW_2FA_REQUIRED = "admin"  # tests/browser/conftest.py turns it off


@pytest.fixture
def open_tab(browser, live_server) -> Iterator[Any]:
    contexts = []

    def open_(viewport: str) -> Any:
        # bypass_csp: axe is injected as an inline script, which the site's CSP would refuse.
        context = browser.new_context(
            base_url=live_server.url, viewport=VIEWPORTS[viewport], bypass_csp=True
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    yield open_
    for context in contexts:
        context.close()


def _password_step(page: Any, username: str) -> None:
    page.goto("/login/?next=/deals/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _fits_and_passes_axe(page: Any, label: str) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate(NO_SIDEWAYS), f"{label}: the page scrolls sideways"
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci) to install axe-core.")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_SERIOUS) == [], label


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_admin_signs_in_with_the_code_of_their_app(open_tab, viewport, screenshot):
    admin = UserFactory(username="ada", first_name="Ada", role=Role.ADMIN, is_staff=True)
    device = TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    page = open_tab(viewport)

    _password_step(page, "ada")
    expect(page.get_by_role("heading", name="Enter your two-factor code")).to_be_visible()
    _fits_and_passes_axe(page, f"code page {viewport}")
    page.goto("/deals/")  # not signed in yet
    assert "/login/" in page.url

    _password_step(page, "ada")
    page.get_by_label("Code").fill("000000" if code_for(device) != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()

    page.wait_for_timeout(1_100)  # django-otp's back-off after a wrong code
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/deals/")
    expect(page.get_by_role("heading", name="Deals", exact=True)).to_be_visible()
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_admin_without_an_app_sets_it_up_before_anything_else(open_tab, viewport, screenshot):
    admin = UserFactory(username="ada", first_name="Ada", role=Role.ADMIN, is_staff=True)
    page = open_tab(viewport)

    _password_step(page, "ada")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    _fits_and_passes_axe(page, f"set-up page {viewport}")
    screenshot(f"two-factor-setup-{viewport}")
    page.goto("/accounts/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    # What the person types into their app: the key shown under the QR code.
    typed = page.locator("[data-two-factor-secret]").inner_text().replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert key == device.bin_key
    page.get_by_label("Code from the app").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor").click()

    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    _fits_and_passes_axe(page, f"recovery codes {viewport}")
    screenshot(f"two-factor-recovery-codes-{viewport}")
    page.get_by_role("link", name="I have saved them, continue").click()
    page.wait_for_url("**/accounts/")  # the page last asked for
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    assert page.console_errors == []
