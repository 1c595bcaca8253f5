"""A manager decides the quotes waiting for approval from the Approvals list, in the browser:
approve one, decline another with the reason, on a desktop and a phone."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.quotes.models import Quote, QuoteStatus, QuoteStatusChange
from salesflow.quotes.services import quote_submit_for_approval
from salesflow.quotes.tests.factories import quote_with_lines
from salesflow.users.models import Role
from tests.browser.conftest import VIEWPORTS
from tests.factories import AccountFactory, DealFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tab(tab):
    """The shared desktop-and-phone tab (conftest), with no console error allowed."""
    yield tab
    assert tab.console_errors == []


def _pending(rep, name: str, days_ago: int) -> Quote:
    deal = DealFactory(owner=rep, name=name, account=AccountFactory(owner=rep, name=f"{name} Co"))
    quote = quote_with_lines(
        deal,
        acting_user=rep,
        lines=[{"description": "Trackers", "quantity": 4, "unit_price": Decimal("250"),
                "discount_percent": 25, "tax_rate": 0}],
    )  # fmt: skip
    at = timezone.now() - dt.timedelta(days=days_ago)
    return quote_submit_for_approval(quote, acting_user=rep, at=at)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_manager_approves_one_quote_and_declines_another_with_the_reason(tab):
    team = TeamFactory(name="North")
    UserFactory(username="maria", role=Role.MANAGER, team=team)
    rep = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=team)
    older = _pending(rep, "Fleet rollout", days_ago=3)
    newer = _pending(rep, "Depot pilot", days_ago=1)
    tab.goto("/login/")
    tab.get_by_label("Username").fill("maria")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab).not_to_have_url(re.compile("/login/"))

    tab.goto("/quotes/approvals/")
    cards = tab.locator(".approval")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Fleet rollout")  # oldest request first
    expect(cards.first).to_contain_text("Rita Rep")
    expect(cards.first).to_contain_text("EUR 750.00")
    assert _fits(tab)

    cards.first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(tab.locator(f"#approval-{older.pk}")).to_contain_text("approved.")
    expect(tab.locator("#messages")).to_contain_text("the rep may send it")

    second = tab.locator(f"#approval-{newer.pk}")
    second.locator("summary").click()
    second.get_by_label("Why (goes back to the rep)").fill("20% at most for a pilot")
    second.get_by_role("button", name=re.compile("^Decline approval")).click()
    expect(second).to_contain_text("declined, back to the rep as a draft.")
    assert _fits(tab)

    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == QuoteStatus.APPROVED
    assert newer.status == QuoteStatus.DRAFT
    assert QuoteStatusChange.objects.filter(quote=newer).last().note == "20% at most for a pilot"
    tab.reload()
    expect(tab.get_by_text("No quotes wait for your approval.")).to_be_visible()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_approvals_page_has_no_serious_accessibility_violations(browser, live_server, viewport):
    team = TeamFactory(name="North")
    UserFactory(username="maria", role=Role.MANAGER, team=team)
    _pending(UserFactory(username="rita", team=team), "Fleet rollout", days_ago=2)
    # bypass_csp: axe is injected as an inline script, which the site's CSP would refuse.
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[viewport], bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("Username").fill("maria")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).not_to_have_url(re.compile("/login/"))
        page.goto("/quotes/approvals/")
        page.locator(".approval summary").click()  # the decline form open too
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
    finally:
        context.close()
    assert violations == []
