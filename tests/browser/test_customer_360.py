"""A rep records who referred a deal, then finds it on the referrer's page, with the profile
("Know your customer") and the account's 360 view, in a real browser."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.models import Outcome
from salesflow.referrals.models import Referral
from tests.factories import AccountFactory, ContactFactory, DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_rep_records_a_referral_and_reads_the_customer_360(page, screenshot):
    rep = UserFactory(username="rita", team=TeamFactory(name="North"))
    rep.set_password(PASSWORD)
    rep.save()
    happy_co = AccountFactory(owner=rep, name="Happy Haulage")
    soon = timezone.localdate() + dt.timedelta(days=12)
    ContactFactory(
        owner=rep, account=happy_co, first_name="Grace", last_name="Hopper",
        birthday=soon.replace(year=1980), topics="Her sailing trip to Crete",
        hobbies="Sailing",
    )  # fmt: skip
    DealFactory(owner=rep, account=happy_co, name="Fleet software", outcome=Outcome.WON,
                amount=18000, closed_at=timezone.now())  # fmt: skip
    deal = DealFactory(owner=rep, name="Berg routing", amount=9000)

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(deal.get_absolute_url())
    page.get_by_role("link", name="Record who referred it").click()
    contact_picker = page.get_by_role("combobox", name="Referred by (contact)", exact=True)
    contact_picker.focus()  # a search-as-you-type picker (docs/search.md)
    contact_picker.press_sequentially("Grace", delay=50)
    page.locator(".ts-dropdown .option", has_text="Grace Hopper").first.click()
    page.get_by_label("Note").fill("Sailing club friends")
    page.get_by_role("button", name="Record referral").click()
    panel = page.locator("#panel-referrals")
    expect(panel).to_contain_text("Grace Hopper")
    expect(panel).to_contain_text("Sailing club friends")
    assert Referral.objects.get().deal == deal

    page.get_by_role("link", name="Grace Hopper").first.click()
    expect(page.locator("#know-your-customer")).to_contain_text("Her sailing trip to Crete")
    expect(page.locator("#know-your-customer")).to_contain_text("in 12 days")
    expect(page.locator("#panel-referrals-made")).to_contain_text("Referrals made: 1")
    screenshot("customer-360-contact")

    page.goto(happy_co.get_absolute_url())
    expect(page.get_by_role("heading", name="Upcoming birthdays")).to_be_visible()
    expect(page.locator("#panel-deals")).to_contain_text("Fleet software")
    screenshot("customer-360-account")

    page.goto("/referrals/")
    expect(page.get_by_role("row", name="Grace Hopper")).to_contain_text("1")
    assert page.console_errors == []
