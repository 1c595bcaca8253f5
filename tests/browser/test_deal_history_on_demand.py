"""The deal page's change history, read when "Show change history" is opened (issue #10 point 4,
the deal page under 15 queries): with the mouse on a desktop, with the keyboard on a phone."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.services import deal_update
from tests.factories import DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_change_history_loads_when_opened(page, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    rep = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    deal = DealFactory(owner=rep, name="Fleet renewal", amount=1000)
    with set_actor(rep):
        deal_update(deal, acting_user=rep, amount=4321)

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/deals/{deal.pk}/")
    history = page.locator("#change-history")
    expect(history.get_by_role("heading", name="Change history")).to_have_count(0)

    summary = history.get_by_text("Show change history")
    if viewport == "phone":
        summary.focus()
        page.keyboard.press("Enter")
    else:
        summary.click()
    expect(history.get_by_role("heading", name="Change history")).to_be_visible()
    expect(history.locator(".history-list")).to_contain_text("4321")
    assert page.console_errors == []
