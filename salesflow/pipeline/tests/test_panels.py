"""The deal, lead, account and contact pages draw the panels the apps register."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesflow.core.panels import Panel
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.leads.panels import lead_panels
from salesflow.pipeline.panels import deal_panels
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_deal_page_draws_every_app_s_panels_in_order(rep_client, rep):
    deal = DealFactory(owner=rep)
    html = rep_client.get(deal.get_absolute_url()).content.decode()
    anchors = [
        'id="panel-bant"', 'id="panel-first-meeting"', 'id="panel-assessment"',
        'id="panel-stakeholders"', 'id="panel-competitors"', 'id="panel-quotes"',
        'id="panel-objections"', 'id="panel-history"', 'id="panel-timeline"',
    ]  # fmt: skip
    positions = [html.index(anchor) for anchor in anchors]
    assert positions == sorted(positions)
    start = html.index('aria-label="Deal sections"')
    nav = html[start : html.index("</nav>", start)]
    assert nav.index("#panel-bant") < nav.index("#panel-quotes") < nav.index("#panel-history")


@pytest.fixture
def coaching_panel():
    """A panel another app could register (call review, say), with its own context."""
    panel = Panel(
        "coaching",
        "pipeline/tests/coaching_panel.html",
        lambda call: {"coaching_note": f"Coach {call.user.username} on {call.record.name}"},
        order=45,
        label="Coaching",
    )
    deal_panels.register(panel)
    yield panel
    deal_panels.unregister("coaching")


def test_a_registered_panel_appears_on_the_deal_page_with_its_context(
    rep_client, rep, coaching_panel, tmp_path, settings
):
    (tmp_path / "pipeline" / "tests").mkdir(parents=True)
    (tmp_path / "pipeline" / "tests" / "coaching_panel.html").write_text(
        '<section id="panel-coaching">{{ coaching_note }}</section>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    deal = DealFactory(owner=rep, name="Fleet renewal")
    html = rep_client.get(deal.get_absolute_url()).content.decode()
    assert "Coach rep on Fleet renewal" in html
    assert html.index('id="panel-stakeholders"') < html.index('id="panel-coaching"')
    assert html.index('id="panel-coaching"') < html.index('id="panel-competitors"')
    assert '<a href="#panel-coaching">Coaching</a>' in html


def test_a_panel_action_redraws_its_panel_and_the_fresh_ones(rep_client, rep):
    deal = DealFactory(owner=rep)
    response = rep_client.post(
        reverse("pipeline:deal-bant", args=[deal.pk]),
        {"bant-need": "Fewer empty trucks"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="panel-bant"')
    assert 'id="panel-playbook"' in html and 'id="panel-actions"' in html
    assert 'id="panel-quotes"' not in html and 'id="panel-history"' not in html


@pytest.mark.parametrize(
    ("registry", "page"),
    [(lead_panels, "lead"), (account_panels, "account"), (contact_panels, "contact")],
)
def test_the_other_record_pages_draw_deals_and_activities_through_panels(
    rep_client, rep, registry, page
):
    assert {"deals", "timeline"} <= {panel.name for panel in registry.panels()}
    account = AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=account)
    lead = LeadFactory(owner=rep)
    record = {"lead": lead, "account": account, "contact": contact}[page]
    links = {"lead": {"lead": lead}, "account": {}, "contact": {"primary_contact": contact}}
    DealFactory(owner=rep, account=account, name="Visible deal", **links[page])
    DealFactory(owner=rep, name="Another account's deal")
    html = rep_client.get(record.get_absolute_url()).content.decode()
    assert "Visible deal" in html
    assert "Another account's deal" not in html
    assert 'id="timeline-title"' in html
