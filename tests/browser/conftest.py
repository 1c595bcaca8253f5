"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

# CI runs the suite on SQLite and on PostgreSQL side by side on 2 CPUs: a page's htmx answer can
# take longer than Playwright's default 5 s there (three tests waited for one in vain, each
# passing alone). A longer wait changes nothing for a test that is right; a wrong page still
# fails, only later.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _password_sign_in_suffices(settings) -> None:
    """The browser tests sign in through the password page alone, admins too: two-factor is
    required of nobody here (and the demo then gives its admin no authenticator). Its own
    browser test, test_two_factor.py, requires it again."""
    settings.SALESFLOW_2FA_REQUIRED = "none"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        # From here an event loop counts as running in this thread, and Django hands out other
        # connection objects (asgiref keeps them per context). Give them the serialized test
        # data the originals carry, or serialized_rollback silently restores nothing and the
        # flush after the test re-creates content types under the next transactional test.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A fresh browser tab on the live server; console errors (CSP, JS) are collected."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


# The two sizes every page is tried at (docs/accessibility.md): a laptop and a phone.
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(VIEWPORTS))
def tab(request, browser, live_server) -> Iterator[object]:
    """`page` at each of VIEWPORTS in turn (`tab.viewport_name`); console errors collected.
    A test file that wants none overrides it: `def tab(tab): yield tab; assert not ...`."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.viewport_name = request.param
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot when SALESFLOW_SCREENSHOTS names a folder; else do nothing."""
    folder = os.environ.get("SALESFLOW_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            # caret="initial": hiding the caret leaves style="" on inputs, which htmx would
            # copy into swapped content and the Content-Security-Policy would then refuse.
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, caret="initial")

    return take
