"""Quick add while another request is still in flight (salesflow/static/js/shortcuts.js).

htmx queues a request behind the one in flight on the same source element and resolves its
promise at once; a request without a source uses <body>. Quick add's requests have their own
source (the dialog's body), a board move has its card: a slow move does not hold quick add back,
and the dialog opens with the form asked for, not with what it held before. A quick add asked
for while an earlier one is still loading replaces it.

The slow answers are held with Playwright's `page.route` and let go when the test says so.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory, DealFactory, TeamFactory, UserFactory, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# How long a held request may keep quick add waiting before the test calls it stuck: well
# under the held request's life, which only ends when the test lets it go.
NOT_STUCK_MS = 8_000
ABORT_LOGGED = re.compile(r"htmx:(afterRequest|sendAbort), \[object HTMLDivElement\]$")


class Held:
    """Requests matching a pattern, held until `release()`."""

    def __init__(self, page, pattern) -> None:
        self.routes: list = []
        self.page, self.pattern = page, pattern
        page.route(pattern, self.hold)

    def hold(self, route) -> None:
        self.routes.append(route)  # neither continued nor fulfilled: the request waits

    def wait(self) -> None:
        """Until one request was held."""
        for _ in range(200):
            if self.routes:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no request matched {self.pattern}")

    def release(self) -> None:
        self.page.unroute(self.pattern, self.hold)
        for route in self.routes:
            # An aborted request's route can no longer go on: nothing to let go then.
            with contextlib.suppress(PlaywrightError):
                route.continue_()
        self.routes.clear()


def rita():
    return UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )


def sign_in(page, viewport, next_url: str) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("load")


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


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_quick_add_opens_with_its_form_while_a_board_move_is_slow(page, viewport):
    rep = rita()
    deal = DealFactory(
        owner=rep,
        account=AccountFactory(owner=rep),
        name="Fleet renewal",
        amount=48000,
        stage=stage_named("Prospecting"),
    )
    sign_in(page, viewport, "/board/")
    page.wait_for_function("typeof Sortable === 'function' && typeof htmx === 'object'")
    page.wait_for_selector("[data-sortable='on']", state="attached")
    move = Held(page, re.compile(r"/deals/\d+/move/"))
    card = page.locator(".board-card", has_text="Fleet renewal")

    if viewport is DESKTOP:  # a drop: board.js's htmx.ajax, sourced on the card
        drag(page, card, column(page, "Qualification").locator(".board-cards"))
    else:  # a phone moves a card with its own Move form (hx-post on the form)
        card.locator("summary", has_text="Move").click()
        card.get_by_label("Move to stage").select_option(label="Qualification")
        card.get_by_role("button", name="Move", exact=True).click()
    move.wait()

    # The move is still in flight: quick add opens with the deal form all the same.
    page.keyboard.press("n")
    page.keyboard.press("d")
    dialog = page.get_by_role("dialog", name="New deal")
    expect(dialog).to_be_visible(timeout=NOT_STUCK_MS)
    expect(dialog.get_by_label("Name")).to_be_focused()

    move.release()
    expect(page.locator("#board-status")).to_have_text("Moved “Fleet renewal” to Qualification.")
    expect(dialog).to_be_visible()  # the move's answer did not touch the dialog
    assert Deal.objects.get(pk=deal.pk).stage.name == "Qualification"
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_second_quick_add_replaces_one_still_loading(page, viewport):
    rita()
    sign_in(page, viewport, "/")
    page.wait_for_function("typeof htmx === 'object'")
    first = Held(page, re.compile(r"/new/\?kind=lead"))
    page.keyboard.press("n")
    page.keyboard.press("l")
    first.wait()  # "New lead" is slow to come

    page.keyboard.press("n")
    page.keyboard.press("d")
    dialog = page.get_by_role("dialog", name="New deal")
    expect(dialog).to_be_visible(timeout=NOT_STUCK_MS)
    expect(dialog.get_by_label("Name")).to_be_focused()

    first.release()  # the lead form, were it still awaited, would land now
    page.wait_for_timeout(500)
    expect(page.get_by_role("dialog", name="New deal")).to_be_visible()
    expect(page.get_by_role("dialog", name="New lead")).to_have_count(0)
    # htmx logs an aborted request with console.error ("htmx:afterRequest", "htmx:sendAbort",
    # as for the search box's hx-sync="this:replace"); nothing else may be logged.
    assert [e for e in page.console_errors if not ABORT_LOGGED.match(e)] == []
