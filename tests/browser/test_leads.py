"""A rep works a hot lead in a real browser: list by score, breakdown, BANT, qualify, convert."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.leads.models import Lead, ProfileCriterion
from salesflow.leads.scoring import lead_rescore
from salesflow.pipeline.models import Deal
from tests.factories import ActivityFactory, LeadFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def hot_lead(rep) -> Lead:
    """A lead that fits the profile and engaged lately: hot before anyone asked BANT."""
    ProfileCriterion.objects.create(dimension="industry", value="Logistics", weight=20)
    ProfileCriterion.objects.create(dimension="region", value="DACH", weight=10)
    lead = LeadFactory(
        owner=rep,
        first_name="Hanna",
        last_name="Berg",
        title="Head of Fleet",
        company="Berg Spedition GmbH",
        industry="Logistics",
        region="DACH",
        email="hanna.berg@berg-spedition.example",
        source="webinar",
    )
    now = timezone.now()
    for kind, subject, outcome in [
        ("email", "Webinar follow-up", "Replied: wants a demo"),
        ("demo", "Route planning demo", ""),
        ("meeting", "Intro call with the fleet team", ""),
    ]:
        ActivityFactory(
            owner=rep,
            deal=None,
            account=None,
            lead=lead,
            type=kind,
            subject=subject,
            outcome=outcome,
            done_at=now - dt.timedelta(days=2),
        )
    first_call = lead.created_at + dt.timedelta(hours=3)
    Lead.objects.filter(pk=lead.pk).update(first_response_at=first_call)
    return lead_rescore(lead)


def test_rep_qualifies_and_converts_a_hot_lead(page, screenshot):
    rep = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    lead = hot_lead(rep)
    assert lead.grade == "hot", lead.score_breakdown
    for name, score in [("Cold Caller", 5), ("Warm Welcome", 40)]:
        other = LeadFactory(owner=rep, first_name=name.split()[0], last_name=name.split()[1])
        Lead.objects.filter(pk=other.pk).update(score=score, grade="cold" if score < 30 else "warm")
    LeadFactory(owner=rep, first_name="H.", last_name="Berg", email=lead.email, company="")

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My day", level=1)).to_be_visible()

    # The list puts the highest score first.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page.get_by_label("Sort by")).to_have_value("")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Hot")
    expect(rows.first).to_contain_text("Hanna Berg")
    expect(rows.nth(1)).to_contain_text("Warm Welcome")
    expect(rows.nth(2)).to_contain_text("Cold Caller")
    screenshot("lead-list")
    rows.first.get_by_role("link", name="Hanna Berg").click()

    # The score explains itself.
    expect(page.get_by_role("heading", name="Hanna Berg", level=1)).to_be_visible()
    breakdown = page.get_by_role("list", name=re.compile(r"Why the score is \d+"))
    expect(breakdown).to_contain_text("Demo requested")
    expect(breakdown).to_contain_text("Strong profile fit (80%+)")
    expect(page.get_by_text("First contact after 3 hours")).to_be_visible()
    expect(page.get_by_role("region", name="Likely duplicates")).to_contain_text("Exact email")
    screenshot("lead-before-bant")
    # Playwright's screenshot leaves empty style attributes on inputs (it hides the caret) that
    # htmx would carry onto the swapped inputs, which the CSP reports: start from a clean page.
    page.reload()

    # Qualify too early: refused in place (htmx), naming what is missing.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Budget amount").fill("48000")
    page.get_by_label("Budget confirmed").check()
    page.get_by_role("button", name="Qualify", exact=True).click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("BANT is incomplete: authority, need, timeline.")
    assert page.evaluate("window.notReloaded") is True
    expect(breakdown).to_contain_text("+20 Budget confirmed")

    # Complete BANT and qualify.
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("What they need").fill("Plans 40 trucks by hand; loses a day a week.")
    page.get_by_label("Pain").select_option("5")
    expected = timezone.localdate() + dt.timedelta(days=60)
    page.get_by_label("Expected purchase date").fill(expected.isoformat())
    screenshot("lead-bant-filled")
    page.get_by_role("button", name="Qualify", exact=True).click()
    expect(page.get_by_text("Hanna Berg is qualified.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Qualified")
    screenshot("lead-qualified")

    # Convert and land on the new deal.
    convert = page.get_by_role("form", name="Convert to a deal")
    convert.get_by_label("Deal name").fill("Berg fleet planning")
    convert.get_by_label("Amount").fill("52000")
    convert.get_by_role("button", name="Convert to deal").click()
    expect(page.get_by_role("heading", name="Berg fleet planning", level=1)).to_be_visible()
    deal = Deal.objects.get(lead=lead)
    expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/$"))
    assert deal.amount == 52000 and deal.expected_close_on == expected
    screenshot("deal-from-lead")

    # Back on the lead: it links to what it became.
    page.goto(lead.get_absolute_url())
    converted = page.get_by_role("region", name=re.compile("Converted"))
    expect(converted.get_by_role("link", name="Berg fleet planning")).to_be_visible()
    screenshot("lead-converted")

    assert page.console_errors == []
