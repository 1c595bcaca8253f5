"""The board, the deal page and the header on any screen: a desktop (1440 x 900) and a phone
(390 x 844), for an admin, a manager and a rep where the role changes what is shown."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.tests.factories import pipeline_without_criteria
from salesflow.users.models import Role
from tests.factories import DealFactory, TeamFactory, UserFactory, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = {"admin": Role.ADMIN, "manager": Role.MANAGER, "rep": Role.REP}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def open_page(browser, live_server) -> Iterator[object]:
    """open_page(user, viewport, javascript=True): a logged-in tab of that size."""
    contexts = []

    def open_(user, viewport, *, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    yield open_
    for context in contexts:
        context.close()


def user_with(role: str):
    return UserFactory(username=role, role=ROLES[role], team=TeamFactory(name="North"))


def board_ready(page) -> None:
    page.wait_for_function("typeof Sortable === 'function'", timeout=10_000)
    page.wait_for_selector("[data-sortable='on']", state="attached", timeout=10_000)


def card_link(page, deal_name: str):
    return page.locator("a.board-card__name", has_text=deal_name)


def column(page, stage_name: str):
    return page.locator(".board-column", has=page.get_by_role("heading", name=stage_name))


# The board


def test_desktop_board_keeps_column_headers_in_view_and_reaches_the_last_column(open_page):
    rep = user_with("rep")
    for number in range(14):
        DealFactory(owner=rep, name=f"Deal {number:02}", stage=stage_named("Prospecting"))
    DealFactory(owner=rep, name="Late stage deal", stage=stage_named("Closing"))
    page = open_page(rep, DESKTOP)
    page.goto("/board/")
    board_ready(page)

    board = page.locator("[data-board]")
    box = board.bounding_box()
    assert box["y"] + box["height"] <= DESKTOP["height"], "the board's own scrollbar is on screen"
    assert page.evaluate(NO_SIDEWAYS)

    # The cards scroll inside the board; the column header stays pinned at its top.
    head = column(page, "Prospecting").locator(".board-column__head")
    head_before = head.bounding_box()
    first_card = column(page, "Prospecting").locator(".board-card").first
    assert first_card.bounding_box()["y"] > head_before["y"]
    assert board.evaluate("board => { board.scrollTop = 900; return board.scrollTop; }") > 300
    assert first_card.bounding_box()["y"] < box["y"], "the first cards scrolled out of view"
    head_after = head.bounding_box()
    assert abs(head_after["y"] - head_before["y"]) < 2
    assert head_after["y"] >= box["y"] - 1
    expect(head).to_be_visible()

    # Columns wider than the window: a visible way to the last one.
    later = page.get_by_role("button", name="Later stages")
    expect(later).to_be_visible()
    expect(page.get_by_role("button", name="Earlier stages")).to_be_disabled()
    last = page.locator(".board-column").last
    assert last.bounding_box()["x"] + last.bounding_box()["width"] > box["x"] + box["width"]
    for _ in range(10):
        if later.is_disabled():
            break
        later.click()
        page.wait_for_timeout(400)
    expect(later).to_be_disabled()
    edge = last.bounding_box()
    assert edge["x"] + edge["width"] <= box["x"] + box["width"] + 1
    assert page.evaluate(NO_SIDEWAYS)
    assert page.console_errors == []


@pytest.mark.parametrize("role", ["admin", "manager", "rep"])
def test_phone_board_shows_one_stage_at_a_time_with_a_stage_switcher(open_page, role):
    user = user_with(role)
    DealFactory(owner=user, name="Printer lease", amount=6000, stage=stage_named("Prospecting"))
    DealFactory(owner=user, name="Fleet renewal", amount=48000, stage=stage_named("Qualification"))
    for number in range(8):
        DealFactory(owner=user, name=f"Scanner {number}", stage=stage_named("Qualification"))
    page = open_page(user, PHONE)
    page.goto("/board/")
    board_ready(page)

    assert page.evaluate(NO_SIDEWAYS)
    # The filters fold under a toggle, so the stage is on the first screen.
    expect(page.get_by_label("Owner")).to_be_hidden()
    page.locator(".board-filters-toggle > summary").click()
    expect(page.get_by_label("Owner")).to_be_visible()
    page.locator(".board-filters-toggle > summary").click()
    switcher = page.get_by_label("Stage", exact=True)
    expect(switcher).to_be_visible()
    expect(switcher).to_be_in_viewport()
    expect(switcher.locator("option").first).to_have_text("Prospecting · 1 deal · EUR 6,000")
    expect(page.locator(".board-column:visible")).to_have_count(1)
    expect(card_link(page, "Printer lease")).to_be_visible()
    expect(card_link(page, "Fleet renewal")).to_be_hidden()

    # Keyboard: focus the switcher and pick the next stage.
    switcher.focus()
    switcher.select_option(label="Qualification · 9 deals · EUR 144,000")
    expect(page.locator(".board-column:visible")).to_have_count(1)
    expect(card_link(page, "Fleet renewal")).to_be_visible()
    expect(card_link(page, "Printer lease")).to_be_hidden()
    assert page.evaluate(NO_SIDEWAYS)

    # Scrolling down the page, the stage's header stays in view.
    head = column(page, "Qualification").locator(".board-column__head")
    assert page.evaluate("() => { window.scrollTo(0, 900); return window.scrollY; }") > 500
    box = head.bounding_box()
    assert 0 <= box["y"] < PHONE["height"] / 3
    expect(head).to_be_in_viewport()
    assert page.console_errors == []


def test_phone_moves_a_card_with_its_move_form(open_page):
    rep = user_with("rep")
    pipeline = pipeline_without_criteria()
    prospecting = pipeline.stages.get(name="Prospecting")
    DealFactory(owner=rep, name="Printer lease", pipeline=pipeline, stage=prospecting)
    page = open_page(rep, PHONE)
    page.goto(f"/board/?pipeline={pipeline.pk}")
    board_ready(page)

    card = page.locator(".board-card", has_text="Printer lease")
    card.locator("summary").click()
    card.get_by_label("Move to stage").select_option(label="Qualification")
    card.get_by_role("button", name="Move", exact=True).click()

    expect(page.locator("#board-status")).to_contain_text("Qualification")
    expect(card_link(page, "Printer lease")).to_be_hidden()  # in the stage not shown
    switcher = page.get_by_label("Stage", exact=True)
    expect(switcher.locator("option").nth(1)).to_contain_text("Qualification · 1 deal")
    switcher.select_option(index=1)
    expect(card_link(page, "Printer lease")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS)


def test_phone_board_without_javascript_keeps_every_stage_reachable(open_page):
    rep = user_with("rep")
    DealFactory(owner=rep, name="Printer lease", stage=stage_named("Prospecting"))
    DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))
    page = open_page(rep, PHONE, javascript=False)
    page.goto("/board/")

    assert page.evaluate(NO_SIDEWAYS)
    expect(card_link(page, "Printer lease")).to_be_visible()
    card_link(page, "Fleet renewal").scroll_into_view_if_needed()
    expect(card_link(page, "Fleet renewal")).to_be_visible()

    page.get_by_label("Stage", exact=True).select_option(
        label="Qualification · 1 deal · EUR 12,000"
    )
    page.locator(".board-switcher").get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Qualification", level=1)).to_be_visible()
    expect(card_link(page, "Fleet renewal")).to_be_visible()
    expect(card_link(page, "Printer lease")).to_have_count(0)


# The deal page


def test_phone_deal_page_puts_move_and_close_on_the_first_screen(open_page):
    rep = user_with("rep")
    deal = DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))
    page = open_page(rep, PHONE)
    page.goto(f"/deals/{deal.pk}/")
    page.wait_for_selector(".panel-toggle")

    assert page.evaluate(NO_SIDEWAYS)
    move = page.get_by_role("button", name="Move deal")
    close = page.locator(".action-card > summary")
    for control in (move, close, page.locator(".stage-progress [aria-current='step']")):
        expect(control).to_be_in_viewport()
        box = control.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"]

    # The panels fold to their titles; a title opens its panel.
    bant = page.get_by_role("button", name="BANT qualification")
    expect(bant).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Save BANT")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollHeight") < 3000
    bant.click()
    expect(bant).to_have_attribute("aria-expanded", "true")
    save = page.get_by_role("button", name="Save BANT")
    expect(save).to_be_visible()

    # A panel answered by htmx with an error stays open, the error on screen.
    page.locator("#panel-bant").get_by_label("Budget confirmed by the customer").check()
    save.click()  # confirmed, but no budget given
    expect(page.locator("#panel-bant .errorlist").first).to_be_visible()
    expect(page.get_by_role("button", name="BANT qualification")).to_have_attribute(
        "aria-expanded", "true"
    )
    # Another panel stays folded.
    expect(page.get_by_role("button", name="Stakeholders")).to_have_attribute(
        "aria-expanded", "false"
    )
    assert page.console_errors == []


def test_phone_deal_page_stays_as_wide_as_the_screen_with_every_panel_open(open_page):
    """A wide product table scrolls inside its panel, a long button label wraps, a select with
    long options shrinks: nothing widens the page (tryout, session 13)."""
    from salesflow.quotes.services import deal_line_add
    from salesflow.quotes.tests.factories import ProductFactory

    rep = user_with("rep")
    deal = DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))
    for name in ("Data migration and onboarding of every depot", "Analytics add-on"):
        deal_line_add(deal, acting_user=rep, product=ProductFactory(name=name), quantity=2)
    page = open_page(rep, PHONE)
    page.goto(f"/deals/{deal.pk}/")
    page.wait_for_selector(".panel-toggle")
    toggles = page.locator(".panel-toggle")
    for index in range(toggles.count()):
        toggles.nth(index).dispatch_event("click")
    expect(page.locator("#panel-products .table-wrap")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.documentElement.scrollWidth")
    assert page.console_errors == []


def test_desktop_deal_page_keeps_its_two_columns_and_open_panels(open_page):
    rep = user_with("rep")
    deal = DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))
    page = open_page(rep, DESKTOP)
    page.goto(f"/deals/{deal.pk}/")
    page.wait_for_load_state("networkidle")

    expect(page.locator(".panel-toggle")).to_have_count(0)
    expect(page.get_by_role("heading", name="BANT qualification")).to_be_visible()
    main = page.locator(".detail-layout__main").bounding_box()
    aside = page.locator(".detail-layout__aside").bounding_box()
    assert aside["x"] > main["x"] + main["width"] - 1, "actions in the right-hand column"
    expect(page.get_by_role("button", name="Move deal")).to_be_visible()


# The header


@pytest.mark.parametrize("role", ["admin", "manager", "rep"])
def test_desktop_header_is_one_row_with_every_link_in_view(open_page, role):
    user = user_with(role)
    page = open_page(user, DESKTOP)
    page.goto("/board/")
    page.wait_for_load_state("networkidle")

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 64
    nav = page.get_by_role("navigation", name="Main")
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    links = nav.get_by_role("link")
    assert links.count() >= 11
    for index in range(links.count()):
        expect(links.nth(index)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    expect(page.get_by_role("banner").get_by_role("search")).to_be_in_viewport()
    assert page.evaluate(NO_SIDEWAYS)


@pytest.mark.parametrize("javascript", [True, False])
def test_phone_header_is_compact_and_opens_the_menu(open_page, javascript):
    user = user_with("manager")
    page = open_page(user, PHONE, javascript=javascript)
    page.goto("/board/")

    assert page.locator(".site-header").bounding_box()["height"] <= 120
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.locator(".site-menu-toggle > summary").click()
    expect(nav.get_by_role("link", name="Lead queue")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS)
