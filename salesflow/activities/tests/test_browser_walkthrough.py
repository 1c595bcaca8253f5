"""The walkthrough's layout findings, in the browser: long words in an activity's notes wrap on a
phone instead of widening the account page, and the activity page uses the width of a desktop
screen when no panel fills its aside."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import browser, page  # noqa: F401 (the browser tests' fixtures)
from tests.factories import AccountFactory, ActivityFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_URL = "https://example.com/" + "a-very-long-path-segment-without-spaces" * 4
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitän" * 4


def sign_in(page) -> None:  # noqa: F811
    UserFactory(username="rita", first_name="Rita", team=TeamFactory(name="North"))
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url("/login/")


def page_width(page) -> int:  # noqa: F811
    return page.evaluate("document.documentElement.scrollWidth")


def test_long_words_in_notes_wrap_on_a_phone(page):  # noqa: F811
    sign_in(page)
    from salesflow.users.models import User

    rita = User.objects.get(username="rita")
    account = AccountFactory(owner=rita, name="Fleet Co")
    activity = ActivityFactory(
        owner=rita,
        deal=None,
        account=account,
        subject=f"Sent {LONG_WORD}",
        body=f"See {LONG_URL} and {LONG_WORD}",
        outcome=f"Read {LONG_URL}",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(account.get_absolute_url())
    expect(page.locator(f"#activity-{activity.pk}")).to_contain_text("See https://example.com/")
    assert page_width(page) <= 390
    page.goto(f"/activities/{activity.pk}/")
    expect(page.locator(".activity-notes")).to_contain_text("See https://example.com/")
    assert page_width(page) <= 390


def test_the_activity_page_uses_the_width_of_a_desktop_screen(page, monkeypatch):  # noqa: F811
    from salesflow.activities.panels import activity_panels
    from salesflow.core.panels import Panel
    from salesflow.users.models import User

    # Panels in the aside that show nothing for this activity: only their hidden anchor.
    monkeypatch.setattr(activity_panels, "_panels", dict(activity_panels._panels))
    activity_panels.register(
        Panel("hidden-probe", "activities/tests/hidden_probe_panel.html", slot="aside")
    )
    sign_in(page)

    activity = ActivityFactory(
        owner=User.objects.get(username="rita"), type="email", subject="Sent the price list"
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/activities/{activity.pk}/")
    layout = page.locator(".detail-layout").bounding_box()
    main = page.locator(".detail-layout__main").bounding_box()
    assert main["width"] >= layout["width"] - 1
    expect(page.locator("main")).not_to_contain_text("{#")


def test_a_panel_in_the_aside_keeps_its_column(page, monkeypatch):  # noqa: F811
    from salesflow.activities.panels import activity_panels
    from salesflow.core.panels import Panel
    from salesflow.users.models import User

    monkeypatch.setattr(activity_panels, "_panels", {})
    activity_panels.register(Panel("probe", "activities/tests/probe_panel.html", slot="aside"))
    sign_in(page)
    activity = ActivityFactory(owner=User.objects.get(username="rita"), subject="Site visit")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/activities/{activity.pk}/")
    layout = page.locator(".detail-layout").bounding_box()
    main = page.locator(".detail-layout__main").bounding_box()
    aside = page.locator(".detail-layout__aside").bounding_box()
    assert main["width"] < layout["width"] * 0.75 and aside["x"] > main["x"] + main["width"]
