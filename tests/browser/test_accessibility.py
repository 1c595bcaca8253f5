"""Accessibility: axe-core on every main page, as the role that sees it, on a desktop and a phone.

One test per role and viewport loads the demo data (`salesflow demo --scale 0.02`, so the pages
show real content), signs in once as that role's demo user and walks that role's pages in PAGES:
on each it injects axe-core (pinned in package.json, installed by `make assets`), runs it and
collects every "serious" or "critical" violation, naming page, rule, impact, elements and the
rule's help page. The test fails listing them all. See docs/accessibility.md.
"""

from __future__ import annotations

import io
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from salesflow.activities.selectors import activities_visible_to
from salesflow.coaching.selectors import review_queue
from salesflow.customers.selectors import contacts_visible_to
from salesflow.leads.selectors import leads_visible_to
from salesflow.outreach.selectors import (
    mailings_visible_to,
    segments_visible_to,
    templates_visible_to,
)
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "demo1234"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
FAILING_IMPACTS = ("serious", "critical")
# The demo users that play each role (salesflow/demo/generator.py).
ROLES = {"rep": "rita", "manager": "maria", "admin": "admin"}


@dataclass(frozen=True)
class Allowed:
    """A known violation let through for now: it is reported as a warning on every run."""

    name: str
    rule: str  # the axe rule id
    selector: str  # a CSS selector the offending element matches
    reason: str


# Temporary allow-list: violations inside parts that are still being built by others. Each one
# shows up as a warning in every run until it is fixed and its entry removed.
ALLOWED: list[Allowed] = []


@dataclass(frozen=True)
class MainPage:
    name: str
    role: str  # "rep", "manager", "admin" or "anonymous"
    url: Callable[[dict[str, Any]], str]
    # Run after the load, before the check (opens panels, types into a box, ...).
    prepare: Callable[[Any, dict[str, Any]], None] | None = None


def open_all_details(page: Any, ids: dict[str, Any]) -> None:
    """Every collapsed panel and form of the page open, so their content is checked too."""
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")


def type_in_header_search(page: Any, ids: dict[str, Any]) -> None:
    """The header search box with a few letters typed: its dropdown of results is open."""
    box = page.locator("header [role=search] input").first
    box.press_sequentially(ids["search"])
    expect(box).to_have_attribute("aria-expanded", "true")


def open_quick_add(page: Any, ids: dict[str, Any]) -> None:
    """The quick add dialog, opened from the header's New button."""
    page.locator("header [data-quick-add-open]").first.click()
    page.locator("dialog[open]").wait_for()


def open_shortcuts(page: Any, ids: dict[str, Any]) -> None:
    """The keyboard shortcuts overlay, opened with ?."""
    page.keyboard.press("?")
    page.locator("dialog[open]").wait_for()


def _report(slug: str) -> Callable[[dict[str, Any]], str]:
    return lambda ids: reverse("analytics:report", kwargs={"slug": slug})


PAGES = [
    MainPage("login", "anonymous", lambda ids: reverse("login")),
    # What a rep works with every day.
    MainPage("my-day", "rep", lambda ids: reverse("pages:dashboard")),
    MainPage("lead-list", "rep", lambda ids: reverse("leads:lead-list")),
    MainPage(
        "lead",
        "rep",
        lambda ids: reverse("leads:lead-detail", args=[ids["lead"]]),
        open_all_details,
    ),
    MainPage("account-list", "rep", lambda ids: reverse("customers:account-list")),
    MainPage(
        "account",
        "rep",
        lambda ids: reverse("customers:account-detail", args=[ids["account"]]),
        open_all_details,
    ),
    MainPage("contact-list", "rep", lambda ids: reverse("customers:contact-list")),
    MainPage(
        "contact",
        "rep",
        lambda ids: reverse("customers:contact-detail", args=[ids["contact"]]),
        open_all_details,
    ),
    MainPage("deal-list", "rep", lambda ids: reverse("pipeline:deal-list")),
    MainPage(
        "deal",
        "rep",
        lambda ids: reverse("pipeline:deal-detail", args=[ids["deal"]]),
        open_all_details,
    ),
    MainPage("deal-new", "rep", lambda ids: reverse("pipeline:deal-create")),
    MainPage("board", "rep", lambda ids: reverse("board:board")),
    MainPage("activity-list", "rep", lambda ids: reverse("activities:activity-list")),
    MainPage(
        "activity", "rep", lambda ids: reverse("activities:activity-detail", args=[ids["activity"]])
    ),
    MainPage("activity-new", "rep", lambda ids: reverse("activities:activity-create")),
    MainPage("follow-up-due", "rep", lambda ids: reverse("followup:due")),
    MainPage("calendar-feed", "rep", lambda ids: reverse("followup:calendar")),
    MainPage("campaign-list", "rep", lambda ids: reverse("outreach:campaign-list")),
    MainPage(
        "campaign", "rep", lambda ids: reverse("outreach:campaign-detail", args=[ids["campaign"]])
    ),
    MainPage("segment-list", "rep", lambda ids: reverse("outreach:segment-list")),
    MainPage(
        "segment", "rep", lambda ids: reverse("outreach:segment-detail", args=[ids["segment"]])
    ),
    MainPage("template-list", "rep", lambda ids: reverse("outreach:template-list")),
    MainPage(
        "template", "rep", lambda ids: reverse("outreach:template-detail", args=[ids["template"]])
    ),
    MainPage("coaching-feedback", "rep", lambda ids: reverse("coaching:feedback")),
    MainPage("analytics", "rep", lambda ids: reverse("analytics:index")),
    MainPage("report-funnel", "rep", _report("funnel")),
    MainPage("report-forecast", "rep", _report("forecast")),
    MainPage("referrals", "rep", lambda ids: reverse("referrals:leaderboard")),
    MainPage("import-upload", "rep", lambda ids: reverse("imports:upload")),
    MainPage("search", "rep", lambda ids: f"{reverse('search:search')}?q={ids['search']}"),
    MainPage(
        "search-dropdown",
        "rep",
        lambda ids: reverse("pages:dashboard"),
        type_in_header_search,
    ),
    MainPage("quick-add", "rep", lambda ids: reverse("pages:dashboard"), open_quick_add),
    MainPage("shortcuts", "rep", lambda ids: reverse("pages:dashboard"), open_shortcuts),
    # What a manager sees besides.
    MainPage("manager-my-day", "manager", lambda ids: reverse("pages:dashboard")),
    MainPage("lead-queue", "manager", lambda ids: reverse("leads:queue")),
    MainPage("coaching-queue", "manager", lambda ids: reverse("coaching:queue")),
    MainPage("call-review", "manager", lambda ids: reverse("coaching:call", args=[ids["call"]])),
    MainPage("manager-board", "manager", lambda ids: reverse("board:board")),
    # The settings tabs, as an admin.
    MainPage("settings-pipelines", "admin", lambda ids: reverse("pipeline-settings:pipeline-list")),
    MainPage(
        "settings-pipeline",
        "admin",
        lambda ids: reverse("pipeline-settings:pipeline-detail", args=[ids["pipeline"]]),
    ),
    MainPage(
        "settings-lost-reasons", "admin", lambda ids: reverse("pipeline-settings:lost-reasons")
    ),
    MainPage("settings-leads", "admin", lambda ids: reverse("lead-settings:index")),
    MainPage("settings-checklists", "admin", lambda ids: reverse("playbook-settings:checklists")),
    MainPage(
        "settings-question-sets", "admin", lambda ids: reverse("playbook-settings:question-sets")
    ),
    MainPage(
        "settings-next-actions", "admin", lambda ids: reverse("playbook-settings:next-actions")
    ),
    MainPage("settings-objections", "admin", lambda ids: reverse("playbook-settings:library")),
    MainPage("settings-products", "admin", lambda ids: reverse("quote-settings:product-list")),
    MainPage("settings-quotes", "admin", lambda ids: reverse("quote-settings:settings")),
    MainPage("settings-fields", "admin", lambda ids: reverse("customfield-settings:field-list")),
    MainPage("settings-rubric", "admin", lambda ids: reverse("coaching:rubric")),
    MainPage("settings-tiers", "admin", lambda ids: reverse("followup:tier-list")),
    MainPage(
        "settings-invitation-reasons", "admin", lambda ids: reverse("activities:invitation-reasons")
    ),
]


def demo_record_ids() -> dict[str, Any]:
    """The records each page shows: ones the role's demo user may see, with the most on them."""
    rep = User.objects.get(username=ROLES["rep"])
    manager = User.objects.get(username=ROLES["manager"])
    deal = (
        deals_visible_to(rep)
        .filter(owner=rep, stage__kind="open", account__isnull=False)
        .order_by("-stage__position", "pk")
        .first()
    )
    contact = (
        contacts_visible_to(rep).filter(account=deal.account).order_by("pk").first()
        or contacts_visible_to(rep).order_by("pk").first()
    )
    return {
        "deal": deal.pk,
        "pipeline": deal.pipeline_id,
        "account": deal.account_id,
        "contact": contact.pk,
        "lead": leads_visible_to(rep).filter(owner=rep).order_by("pk").first().pk,
        "activity": activities_visible_to(rep).filter(owner=rep).order_by("pk").first().pk,
        "campaign": mailings_visible_to(rep).order_by("pk").first().pk,
        "segment": segments_visible_to(rep).order_by("pk").first().pk,
        "template": templates_visible_to(rep).order_by("pk").first().pk,
        "call": review_queue(manager).first().activity_id,
        "search": deal.account.name[:4],
    }


# htmx is loaded (deferred) and no htmx request is under way: panels loaded on "load" are in.
HTMX_SETTLED = "() => typeof htmx === 'object' && !document.querySelector('.htmx-request')"

# Runs axe; for each offending element, `allowed` is the index of the ALLOWED entry whose rule
# and CSS selector it matches (-1 when none does).
AXE_RUN = """async (allowList) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  const allowedIndex = (rule, target) => {
    const element = target.length === 1 ? document.querySelector(target[0]) : null;
    return allowList.findIndex(a => a.rule === rule && element && element.matches(a.selector));
  };
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target, impact: n.impact, summary: n.failureSummary,
      allowed: allowedIndex(v.id, n.target),
    })),
  }));
}"""


def serious_violations(
    page: Any, main_page: MainPage, ids: dict[str, Any], label: str, by_rule: Counter[str]
) -> list[str]:
    """Open one page and run axe on it: the serious and critical violations not allowed, as text
    (`by_rule` counts every violation by rule and impact, allowed and minor ones too)."""
    response = page.goto(main_page.url(ids))
    assert response is not None and response.ok, f"{label}: HTTP {response and response.status}"
    page.wait_for_function(HTMX_SETTLED)
    if main_page.prepare:
        main_page.prepare(page, ids)
        page.wait_for_function(HTMX_SETTLED)
    page.add_script_tag(path=str(AXE))
    failures = []
    for violation in page.evaluate(AXE_RUN, [asdict(entry) for entry in ALLOWED]):
        for node in violation["nodes"]:
            impact = node["impact"] or violation["impact"]
            by_rule[f"{violation['id']} ({impact})"] += 1
            if impact not in FAILING_IMPACTS:
                continue
            line = (
                f"{label}: {violation['id']} ({impact}) at {' '.join(map(str, node['target']))}"
                f" - {violation['help']} {violation['helpUrl']}"
            )
            if node["allowed"] >= 0:
                entry = ALLOWED[node["allowed"]]
                warnings.warn(
                    f"allowed for now [{entry.name}: {entry.reason}]: {line}", stacklevel=1
                )
            else:
                failures.append(line + "\n      " + node["summary"].replace("\n", "\n      "))
    return failures


def sign_in(page: Any, username: str) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("role", list(ROLES))
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, role, viewport):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci) to install axe-core.")
    call_command("demo", "--scale", "0.02", "--password", PASSWORD, stdout=io.StringIO())
    ids = demo_record_ids()
    # bypass_csp: axe is injected as an inline script, which the site's CSP would refuse.
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[viewport], bypass_csp=True
    )
    page = context.new_page()
    failures: list[str] = []
    by_rule: Counter[str] = Counter()
    checked = 0
    try:
        if role == "rep":  # the login page, before signing in
            for main_page in (p for p in PAGES if p.role == "anonymous"):
                failures += serious_violations(
                    page, main_page, ids, f"{main_page.name} {viewport}", by_rule
                )
                checked += 1
        sign_in(page, ROLES[role])
        for main_page in (p for p in PAGES if p.role == role):
            label = f"{main_page.name} as {role} {viewport}"
            failures += serious_violations(page, main_page, ids, label, by_rule)
            assert "/login/" not in page.url, f"{label}: signed out"
            checked += 1
    finally:
        context.close()
    # Shown with -s or on failure: the figures docs/accessibility.md reports.
    print(f"axe {role} {viewport}: {checked} pages, violations by rule: {dict(by_rule)}")
    assert checked
    assert not failures, (
        f"{len(failures)} serious accessibility violation(s) on {checked} pages:\n"
        + "\n".join(failures)
    )
