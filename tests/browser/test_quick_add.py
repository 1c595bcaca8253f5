"""Quick add in the browser: the header's "+ New" opens a dialog, a deal with a new account by
name creates both, errors move focus to the field, Escape closes and focus returns to the
button; on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.activities.models import Activity
from salesflow.customers.models import Account
from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory, DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page, viewport) -> None:
    UserFactory(username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North"))
    page.set_viewport_size(viewport)
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_deal_with_a_new_account_by_name(page, screenshot, viewport):
    sign_in(page, viewport)
    button = page.locator(".quick-add-button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] + box["width"] <= viewport["width"]
    button.click()
    dialog = page.get_by_role("dialog", name="What do you want to add?")
    expect(dialog).to_be_visible()
    screenshot(f"quick-add-chooser-{viewport['width']}")
    dialog.get_by_role("link", name="Deal").click()
    dialog = page.get_by_role("dialog", name="New deal")
    expect(dialog).to_be_visible()
    name = dialog.get_by_label("Name")
    expect(name).to_be_focused()
    dialog_box = dialog.bounding_box()
    assert dialog_box["x"] >= 0 and dialog_box["x"] + dialog_box["width"] <= viewport["width"]

    name.fill("Fleet renewal")
    dialog.get_by_label("Account").fill("Umbrella Corp")
    dialog.get_by_label("Amount").fill("15000")
    screenshot(f"quick-add-deal-{viewport['width']}")
    dialog.get_by_role("button", name="Create deal").click()

    created = page.get_by_role("dialog", name="Deal created")
    expect(created).to_contain_text("Created Fleet renewal")
    expect(created).to_contain_text("The account “Umbrella Corp” did not exist yet and was created")
    expect(created.get_by_role("link", name="Fleet renewal")).to_be_focused()
    deal = Deal.objects.get()
    assert deal.account == Account.objects.get(name="Umbrella Corp")
    assert deal.owner.username == "rita"

    page.keyboard.press("Escape")
    expect(created).to_be_hidden()
    expect(button).to_be_focused()
    assert page.console_errors == []


def test_errors_sit_next_to_the_field_and_take_the_focus(page, screenshot):
    sign_in(page, DESKTOP)
    page.locator(".quick-add-button").click()
    page.get_by_role("dialog").get_by_role("link", name="Contact").click()
    dialog = page.get_by_role("dialog", name="New contact")
    dialog.get_by_label("First name").fill("Hank")
    dialog.get_by_label("Email").fill("not-an-email")
    dialog.get_by_role("button", name="Create contact").click()
    last_name = dialog.get_by_label("Last name")
    expect(last_name).to_be_focused()
    expect(last_name).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator(".has-error")).to_have_count(2)
    screenshot("quick-add-errors")
    assert not Account.objects.exists()

    last_name.fill("Scorpio")
    dialog.get_by_label("Email").fill("hank@globex.example")
    dialog.get_by_role("button", name="Create contact").click()
    created = page.get_by_role("dialog", name="Contact created")
    expect(created).to_contain_text("Created Hank Scorpio")
    created.get_by_role("link", name="Add another").click()
    expect(
        page.get_by_role("dialog", name="New contact").get_by_label("First name")
    ).to_be_focused()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator(".quick-add-button")).to_be_focused()
    assert page.console_errors == []


def test_an_existing_account_is_used(page):
    sign_in(page, DESKTOP)
    from salesflow.users.models import User

    account = AccountFactory(owner=User.objects.get(username="rita"), name="Globex")
    page.keyboard.press("n")
    page.keyboard.press("d")
    dialog = page.get_by_role("dialog", name="New deal")
    dialog.get_by_label("Name").fill("Globex expansion")
    dialog.get_by_label("Account").fill("GLOBEX")
    dialog.get_by_role("button", name="Create deal").click()
    created = page.get_by_role("dialog", name="Deal created")
    expect(created).to_contain_text("Created Globex expansion")
    expect(created).not_to_contain_text("did not exist yet")
    assert Deal.objects.get().account == account and Account.objects.count() == 1
    created.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Globex expansion")


def test_an_activity_on_a_deal_picked_by_typing(page):
    sign_in(page, DESKTOP)
    from salesflow.users.models import User

    rita = User.objects.get(username="rita")
    wanted = DealFactory(owner=rita, name="Harbour cranes")
    for n in range(25):  # more deals than the picker suggests before typing
        DealFactory(owner=rita, name=f"Other deal {n}")
    page.keyboard.press("n")
    page.keyboard.press("t")
    dialog = page.get_by_role("dialog", name="New activity")
    expect(dialog.get_by_label("Type", exact=True)).to_be_focused()
    dialog.get_by_label("Type", exact=True).select_option("call")
    dialog.get_by_label("Subject").fill("Call about the cranes")
    control = dialog.get_by_role("combobox", name="Deal", exact=True)
    control.focus()
    control.press_sequentially("harb", delay=60)
    option = page.locator(".ts-dropdown:visible .option", has_text="Harbour cranes")
    expect(option).to_be_visible()
    option.click()
    dialog.get_by_role("button", name="Create activity").click()
    created = page.get_by_role("dialog", name="Activity created")
    expect(created).to_contain_text("Created Call about the cranes")
    activity = Activity.objects.get()
    assert (activity.deal_id, activity.owner_id) == (wanted.pk, rita.pk)
    assert page.console_errors == []


def test_the_dialogs_pass_axe(browser, live_server):
    # bypass_csp: axe is injected as an inline script, which the site's CSP would refuse.
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, DESKTOP)
        page.locator(".quick-add-button").click()
        page.get_by_role("dialog").get_by_role("link", name="Deal").click()
        dialog = page.get_by_role("dialog", name="New deal")
        dialog.get_by_role("button", name="Create deal").click()  # with its errors shown
        expect(dialog.locator(".has-error")).to_have_count(1)
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_RUN) == []
        page.keyboard.press("Escape")
        page.keyboard.press("?")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        assert page.evaluate(AXE_RUN) == []
    finally:
        context.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


def test_on_a_deal_page_n_t_logs_an_activity_on_that_deal(page):
    sign_in(page, DESKTOP)
    from salesflow.users.models import User

    deal = DealFactory(owner=User.objects.get(username="rita"), name="Harbour cranes")
    page.goto(deal.get_absolute_url())
    page.keyboard.press("n")
    page.keyboard.press("t")
    dialog = page.get_by_role("dialog", name="New activity")
    expect(dialog.get_by_label("Type", exact=True)).to_be_focused()
    expect(dialog.locator("#id_deal")).to_have_value(str(deal.pk))
    dialog.get_by_label("Type", exact=True).select_option("task")
    dialog.get_by_label("Subject").fill("Send the crane specs")
    dialog.get_by_role("button", name="Create activity").click()
    expect(page.get_by_role("dialog", name="Activity created")).to_be_visible()
    assert Activity.objects.get().deal_id == deal.pk
