"""'Use this response' opens the library answer to edit, its first placeholder selected, on a
desktop and a phone (issue 12)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.playbooks.models import DealObjection, LibraryResponse
from salesflow.playbooks.services import objection_log
from tests.factories import DealFactory, TeamFactory, UserFactory, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_use_this_response_edits_before_saving(page, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    rep = UserFactory(username="rita", team=TeamFactory(name="North"))
    deal = DealFactory(owner=rep, name="Fleet", stage=stage_named("Proposal and objections"))
    objection = objection_log(
        deal, category="price", customer_words="Too dear", acting_user=rep
    ).objection
    library = LibraryResponse.objects.get(title="Cost of the problem versus the price")

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/deals/{deal.pk}/#panel-objections")

    page.get_by_label(f"Use this response: {library.title}").click()
    area = page.locator(f"#use-{objection.pk}-{library.pk}")
    expect(area).to_be_visible()
    expect(area).to_be_focused()
    selected = area.evaluate("a => a.value.slice(a.selectionStart, a.selectionEnd)")
    assert selected == "…"
    expect(page.locator("#panel-objections mark.placeholder").first).to_be_visible()

    # Saving it unedited is refused, naming the placeholder; nothing is stored.
    area.locator("xpath=ancestor::form").get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Replace the placeholder “…”")).to_be_visible()
    assert DealObjection.objects.get(pk=objection.pk).status == "open"
    assert not page.console_errors
