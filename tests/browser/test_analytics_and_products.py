"""A manager reads the analytics in a real browser (the chart is drawn, the filters apply), and
a rep puts products on a deal and makes its amount follow them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.analytics.tests.builders import history_deal
from salesflow.pipeline.models import Outcome
from salesflow.quotes.tests.factories import ProductFactory
from salesflow.users.models import Role
from tests.factories import DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_a_manager_reads_win_rates_with_a_chart_and_narrows_them(page, screenshot):
    north = TeamFactory(name="North")
    UserFactory(username="mara", first_name="Mara", last_name="Manager", role=Role.MANAGER,
                team=north)  # fmt: skip
    rita = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=north)
    won = [("Prospecting", "2026-01-05"), ("Won", "2026-02-01")]
    lost = [("Prospecting", "2026-01-05"), ("Lost", "2026-03-01")]
    history_deal(rita, won, outcome=Outcome.WON, amount=5000)
    history_deal(rita, lost, outcome=Outcome.LOST)

    sign_in(page, "mara")
    page.get_by_role("link", name="Analytics").click()
    page.get_by_role("link", name="Win rates").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Rita Rep")
    expect(table).to_contain_text("50.0%")
    # The chart is drawn by our script from the page's data: the canvas gets a real size.
    canvas = page.locator("canvas[data-chart]")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width") > 100
    screenshot("analytics-win-rates")

    page.fill("#id_from", "2026-02-15")
    page.get_by_role("button", name="Apply").click()
    expect(table).to_contain_text("0.0%")
    assert "from=2026-02-15" in page.url
    assert page.console_errors == []


def test_a_rep_adds_products_and_the_amount_follows_them(page, screenshot):
    rita = UserFactory(username="rita", first_name="Rita", last_name="Rep",
                       team=TeamFactory(name="North"))  # fmt: skip
    deal = DealFactory(owner=rita, name="Fleet renewal", amount=900)
    tracker = ProductFactory(name="Tracker Pro", category="Trackers", unit_price=Decimal(250))

    sign_in(page, "rita")
    page.goto(f"/deals/{deal.pk}/")
    panel = page.locator("#panel-products")
    expect(panel).to_contain_text("No products on this deal yet.")
    panel.get_by_text("Add a product").click()
    panel.get_by_label("Product").select_option(value=str(tracker.pk))
    panel.get_by_label("Quantity").fill("4")
    panel.get_by_role("button", name="Add product").click()
    expect(panel).to_contain_text("EUR 1,000")
    expect(page.locator("#deal-amount")).to_have_text("EUR 900")  # typed, until it follows
    panel.get_by_role("button", name="Make the amount follow the lines").click()
    expect(panel).to_contain_text("The deal amount follows this total.")
    expect(page.locator("#deal-amount")).to_have_text("EUR 1,000")
    screenshot("deal-products")
    assert page.console_errors == []
