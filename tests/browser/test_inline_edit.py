"""Inline edit in the browser (docs/editing.md), on a desktop and a phone: the deal list's
amount, the deal page's stage (refused with what is missing) and next step, the lead list's
status, Escape to cancel, and a stale inline edit answering with both versions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.activities.models import Activity
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from tests.factories import DealFactory, LeadFactory, TeamFactory, UserFactory, stage_named

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)
            if message.type == "error" and "409 (Conflict)" not in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    UserFactory(username="rita", first_name="Rita", last_name="Rep", team=TeamFactory())
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    yield page
    context.close()


def rita():
    from salesflow.users.models import User

    return User.objects.get(username="rita")


def test_the_amount_is_changed_in_place_on_the_deal_list(page):
    deal = DealFactory(owner=rita(), name="Fleet renewal", amount=1000)
    page.goto("/deals/")
    cell = page.locator(f"#inline-deal-{deal.pk}-amount")
    cell.get_by_role("link").click()
    field = page.get_by_role("form", name="Change amount").get_by_label("Amount")
    expect(field).to_be_focused()
    field.fill("2500")
    field.press("Enter")
    value = page.locator(f"#inline-deal-{deal.pk}-amount").get_by_role("link")
    expect(value).to_contain_text("2,500")
    expect(value).to_be_focused()
    assert Deal.objects.get(pk=deal.pk).amount == 2500
    assert page.console_errors == []


def test_escape_cancels_and_saves_nothing(page):
    deal = DealFactory(owner=rita(), amount=1000)
    page.goto("/deals/")
    link = page.locator(f"#inline-deal-{deal.pk}-expected_close_on").get_by_role("link")
    link.focus()
    page.keyboard.press("Enter")  # the keyboard opens it like a click
    field = page.get_by_label("Expected close date")
    expect(field).to_be_focused()
    field.fill("2031-05-06")
    page.keyboard.press("Escape")
    expect(
        page.locator(f"#inline-deal-{deal.pk}-expected_close_on").get_by_role("link")
    ).to_be_focused()
    assert Deal.objects.get(pk=deal.pk).version == 1
    assert page.console_errors == []


def test_a_stage_move_refused_in_place_says_what_is_missing(page):
    deal = DealFactory(owner=rita(), stage=stage_named("Qualification"))
    page.goto(f"/deals/{deal.pk}/")
    page.locator(f"#inline-deal-{deal.pk}-stage").get_by_role("link").click()
    stage = page.get_by_role("form", name="Change stage").get_by_label("Stage")
    stage.select_option(label="Needs assessment")
    page.get_by_role("form", name="Change stage").get_by_role("button", name="Save").click()
    form = page.get_by_role("form", name="Change stage")
    expect(form).to_contain_text("cannot leave Qualification")
    expect(form).to_contain_text("BANT")
    expect(form.get_by_label("Stage")).to_be_focused()
    assert Deal.objects.get(pk=deal.pk).stage.name == "Qualification"
    assert page.console_errors == []


def test_the_next_step_is_planned_in_place(page):
    deal = DealFactory(owner=rita(), name="Fleet renewal")
    page.goto(f"/deals/{deal.pk}/")
    page.locator(f"#inline-deal-{deal.pk}-next_step").get_by_role("link").click()
    form = page.get_by_role("form", name="Change next step")
    form.get_by_label("Next step").fill("Send the offer")
    form.get_by_label("Due").fill("2031-02-03T09:30")
    form.get_by_role("button", name="Save").click()
    value = page.locator(f"#inline-deal-{deal.pk}-next_step").get_by_role("link")
    expect(value).to_contain_text("Next 3 Feb")
    assert Activity.objects.get(deal=deal).subject == "Send the offer"
    assert page.console_errors == []


def test_a_stale_inline_edit_shows_both_versions(page):
    deal = DealFactory(owner=rita(), amount=1000)
    page.goto("/deals/")
    page.locator(f"#inline-deal-{deal.pk}-amount").get_by_role("link").click()
    form = page.get_by_role("form", name="Change amount")
    expect(form.get_by_label("Amount")).to_be_visible()  # read at version 1
    Deal.objects.filter(pk=deal.pk).update(amount=1500, version=2)  # another tab saved
    form.get_by_label("Amount").fill("3000")
    form.get_by_role("button", name="Save").click()
    expect(form).to_contain_text(
        "Someone else saved this deal while you were editing", timeout=15000
    )
    row = form.locator('tr[data-conflict-field="amount"]')
    expect(row).to_contain_text("3,000")
    expect(row).to_contain_text("1,500")
    assert Deal.objects.get(pk=deal.pk).amount == 1500
    row.get_by_label("Keep mine").check()
    form.get_by_role("button", name="Save").click()
    saved = page.locator(f"#inline-deal-{deal.pk}-amount").get_by_role("link")
    expect(saved).to_contain_text("3,000")
    assert Deal.objects.get(pk=deal.pk).amount == 3000
    assert page.console_errors == []


def test_the_lead_status_is_changed_in_place(page):
    lead = LeadFactory(owner=rita(), status="new")
    page.goto("/leads/")
    page.locator(f"#inline-lead-{lead.pk}-status").get_by_role("link").click()
    form = page.get_by_role("form", name="Change status")
    form.get_by_label("Status").select_option(label="Working")
    form.get_by_role("button", name="Save").click()
    value = page.locator(f"#inline-lead-{lead.pk}-status").get_by_role("link")
    expect(value).to_contain_text("Working")
    assert Lead.objects.get(pk=lead.pk).status == "working"
    assert page.console_errors == []
