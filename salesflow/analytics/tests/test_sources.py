"""Source ROI per source, channel and campaign, against figures worked out by hand: each
campaign's cost counted once, several currencies kept apart, zero costs and counts giving no
ratio rather than 0."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import client_for
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.leads.models import Channel, Lead, LeadStatus, Source
from salesflow.pipeline.models import Outcome
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

WON_PATH = [("Prospecting", "2026-01-20"), ("Won", "2026-02-10")]
LOST_PATH = [("Prospecting", "2026-01-20"), ("Lost", "2026-02-10")]


def lead(owner, source, channel=Channel.INBOUND, *, campaign=None, day="2026-01-15", **fields):
    made = LeadFactory(owner=owner, source=source, channel=channel, campaign=campaign, **fields)
    Lead.objects.filter(pk=made.pk).update(created_at=at(day))
    return made


@pytest.fixture
def history(rep, teammate, outsider):
    """Campaigns: Spring webinar (EUR 1000) brought two webinar leads and one referral (one
    campaign, two sources); Trade fair (EUR 3000) one exhibition lead; US mailing (USD 200) one
    email lead; Free posts (EUR 0) one social lead. One SEO lead came without a campaign.

    lead  owner     source      campaign        qualified  deal
    1     rep       webinar     Spring webinar  yes        won EUR 5000
    2     rep       webinar     Spring webinar  converted  lost
    3     rep       referral    Spring webinar  converted  won EUR 2000
    4     teammate  exhibition  Trade fair      yes        won USD 1000
    5     rep       email       US mailing      no         open
    6     rep       seo         -               no         won, no amount (created in March)
    7     rep       social      Free posts      no         -
    8     outsider  webinar     Spring webinar  no         - (South)
    """
    spring = CampaignFactory(name="Spring webinar", source=Source.WEBINAR, cost=1000)
    fair = CampaignFactory(
        name="Trade fair", channel=Channel.OUTBOUND, source=Source.EXHIBITION, cost=3000
    )
    mailing = CampaignFactory(
        name="US mailing", channel=Channel.OUTBOUND, source=Source.EMAIL, cost=200, currency="USD"
    )
    free = CampaignFactory(name="Free posts", source=Source.SOCIAL, cost=0)
    now = timezone.now()
    converted = {"status": LeadStatus.CONVERTED}
    leads = [
        lead(rep, Source.WEBINAR, campaign=spring, qualified_at=now),
        lead(rep, Source.WEBINAR, campaign=spring, **converted),
        lead(rep, Source.REFERRAL, campaign=spring, **converted),
        lead(teammate, Source.EXHIBITION, Channel.OUTBOUND, campaign=fair, qualified_at=now),
        lead(rep, Source.EMAIL, Channel.OUTBOUND, campaign=mailing),
        lead(rep, Source.SEO, day="2026-03-01"),
        lead(rep, Source.SOCIAL, campaign=free),
        lead(outsider, Source.WEBINAR, campaign=spring),
    ]
    history_deal(rep, WON_PATH, outcome=Outcome.WON, amount=5000, lead=leads[0])
    history_deal(rep, LOST_PATH, outcome=Outcome.LOST, lead=leads[1])
    history_deal(rep, WON_PATH, outcome=Outcome.WON, amount=2000, lead=leads[2])
    history_deal(
        teammate, WON_PATH, outcome=Outcome.WON, amount=1000, currency="USD", lead=leads[3]
    )
    history_deal(rep, [("Prospecting", "2026-01-20")], lead=leads[4])
    history_deal(rep, WON_PATH, outcome=Outcome.WON, amount=None, lead=leads[5])
    return leads


def run(viewer, **query):
    return report_run(report_get("sources"), viewer, query)


FIGURES = (
    "leads", "qualified", "deals", "won", "won_amount", "cost", "cost_per_lead", "cost_per_won",
    "roi",
)  # fmt: skip


def figures(report, name="label"):
    return {row[name]: tuple(row[key] for key in FIGURES) for row in report.rows}


def test_per_source_each_campaign_counts_once_in_a_row(history, manager):
    report = run(manager)
    assert figures(report) == {
        # Two leads of the EUR 1000 campaign: its cost once, not twice.
        "Webinar": (2, 2, 2, 1, {"EUR": "5000.00"}, {"EUR": "1000.00"}, {"EUR": "500.00"},
                    {"EUR": "1000.00"}, 4.0),
        # The same campaign brought this lead through another source: charged here in full too.
        "Referral": (1, 1, 1, 1, {"EUR": "2000.00"}, {"EUR": "1000.00"}, {"EUR": "1000.00"},
                     {"EUR": "1000.00"}, 1.0),
        # Won without an amount and without a campaign: no cost, so no ratio at all.
        "SEO / search": (1, 0, 1, 1, {}, {}, None, None, None),
        # A free campaign: a cost of 0, nothing won, no ROI.
        "Social media": (1, 0, 0, 0, {}, {"EUR": "0.00"}, {"EUR": "0.00"}, None, None),
        # Spent in USD only: no ROI in the site currency.
        "Email": (1, 0, 1, 0, {}, {"USD": "200.00"}, {"USD": "200.00"}, None, None),
        # Won in USD, spent in EUR: ROI in EUR sees the cost only.
        "Exhibition": (1, 1, 1, 1, {"USD": "1000.00"}, {"EUR": "3000.00"}, {"EUR": "3000.00"},
                       {"EUR": "3000.00"}, -1.0),
    }  # fmt: skip
    assert [row["channel"] for row in report.rows] == ["inbound"] * 4 + ["outbound"] * 2
    webinar = next(row for row in report.rows if row["label"] == "Webinar")
    assert (webinar["key"], webinar["source"]) == ("inbound:webinar", "webinar")


def test_the_totals_count_each_campaign_once(history, manager):
    summary = run(manager).summary
    counts = (summary["leads"], summary["qualified"], summary["deals"], summary["won"])
    assert counts == (7, 4, 6, 4)
    assert summary["won_amount"] == {"EUR": "7000.00", "USD": "1000.00"}
    assert summary["cost"] == {"EUR": "4000.00", "USD": "200.00"}
    assert summary["roi"] == 0.75 and summary["roi_currency"] == "EUR"


def test_per_campaign(history, manager):
    report = run(manager, by="campaign")
    assert figures(report) == {
        "Free posts": (1, 0, 0, 0, {}, {"EUR": "0.00"}, {"EUR": "0.00"}, None, None),
        "Spring webinar": (3, 3, 3, 2, {"EUR": "7000.00"}, {"EUR": "1000.00"},
                           {"EUR": "333.33"}, {"EUR": "500.00"}, 6.0),
        "Trade fair": (1, 1, 1, 1, {"USD": "1000.00"}, {"EUR": "3000.00"}, {"EUR": "3000.00"},
                       {"EUR": "3000.00"}, -1.0),
        "US mailing": (1, 0, 1, 0, {}, {"USD": "200.00"}, {"USD": "200.00"}, None, None),
        "No campaign": (1, 0, 1, 1, {}, {}, None, None, None),
    }  # fmt: skip
    assert report.rows[-1]["key"] is None
    spring = report.rows[1]
    assert (spring["channel"], spring["source"]) == ("inbound", "webinar")


def test_inbound_against_outbound(history, manager):
    assert figures(run(manager, by="channel")) == {
        "Inbound": (5, 3, 4, 3, {"EUR": "7000.00"}, {"EUR": "1000.00"}, {"EUR": "200.00"},
                    {"EUR": "333.33"}, 6.0),
        "Outbound": (2, 1, 2, 1, {"USD": "1000.00"}, {"EUR": "3000.00", "USD": "200.00"},
                     {"EUR": "1500.00", "USD": "100.00"}, {"EUR": "3000.00", "USD": "200.00"},
                     -1.0),
    }  # fmt: skip


def test_a_rep_sees_their_leads_and_an_admin_everyones(history, rep, admin_user):
    mine = figures(run(rep))
    assert "Exhibition" not in mine and mine["Webinar"][0] == 2
    everyone = figures(run(admin_user))
    # The South lead joins the webinar row; the campaign still counts once.
    assert everyone["Webinar"][:2] == (3, 2) and everyone["Webinar"][5] == {"EUR": "1000.00"}


def test_the_period_selects_leads_by_the_day_they_came_in(history, manager):
    march = figures(run(manager, **{"from": "2026-03-01"}))
    assert march == {"SEO / search": (1, 0, 1, 1, {}, {}, None, None, None)}
    outbound = figures(run(manager, channel="outbound"))
    assert set(outbound) == {"Email", "Exhibition"}


def test_no_leads_gives_no_rows_and_no_roi(manager):
    report = run(manager)
    assert report.rows == []
    assert report.summary["roi"] is None and report.summary["cost"] == {}


def test_the_page_and_csv_show_the_figures(history, manager):
    client = client_for(manager)
    html = client.get("/analytics/sources/").content.decode()
    assert "Webinar" in html and "400.0%" in html and "EUR 1,000.00" in html
    csv = client.get("/analytics/sources/?by=campaign&format=csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Campaign,Channel,Source,Leads,Qualified,Deals,Won,Won amount,Cost,Cost per lead,"
        "Cost per won deal,ROI (EUR)"
    )
    assert (
        "Spring webinar,Inbound,Webinar,3,3,3,2,EUR 7000.00,EUR 1000.00,EUR 333.33,EUR 500.00,6.0"
        in text
    )
    assert "No campaign,,,1,0,1,1,,,,," in text


def test_the_api_answers_rows_and_refuses_a_bad_grouping(history, manager):
    api = ApiClient(manager)
    answer = api.get("/analytics/sources").json()
    webinar = next(row for row in answer["rows"] if row["source"] == "webinar")
    assert {key: webinar[key] for key in ("channel", "source", *FIGURES)} == {
        "channel": "inbound",
        "source": "webinar",
        "leads": 2,
        "qualified": 2,
        "deals": 2,
        "won": 1,
        "won_amount": {"EUR": "5000.00"},
        "cost": {"EUR": "1000.00"},
        "cost_per_lead": {"EUR": "500.00"},
        "cost_per_won": {"EUR": "1000.00"},
        "roi": 4.0,
    }
    assert answer["roi"] == 0.75 and answer["filters"]["by"] == "source"
    assert invalid_fields(api.get("/analytics/sources", {"by": "moon"})) == {"by"}
    assert invalid_fields(api.get("/analytics/sources", {"source": "moon"})) == {"source"}


@pytest.mark.parametrize("by", ["source", "channel", "campaign"])
def test_the_figures_are_aggregated_so_queries_do_not_grow_with_leads(history, manager, rep, by):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            run(manager, by=by)
        return len(captured)

    count()  # the manager's teams are looked up once, then remembered
    before = count()
    for source in (Source.CONTENT, Source.ADVERTISING, Source.DIRECT_MAIL):
        campaign = CampaignFactory(source=source, cost=10)
        history_deal(rep, WON_PATH, outcome=Outcome.WON, lead=lead(rep, source, campaign=campaign))
    assert count() == before
