"""Win rates by rep, team, source, channel, account, competitor and product, and the lost and
suspended reasons, against figures worked out by hand."""

from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.analytics.filters import FilterError
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.reports.win_rates import BY_CHOICES
from salesflow.analytics.tests.builders import history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.leads.models import Channel, Source
from salesflow.pipeline.models import Competitor, DealCompetitor, Outcome
from salesflow.quotes.models import DealLine
from salesflow.quotes.tests.factories import ProductFactory
from tests.factories import AccountFactory, LeadFactory, lost_reason

pytestmark = pytest.mark.django_db

WON_PATH = [("Prospecting", "2026-01-05"), ("Won", "2026-02-04")]
LOST_PATH = [("Prospecting", "2026-01-10"), ("Lost", "2026-01-30")]
SUSPENDED_PATH = [("Prospecting", "2026-01-10"), ("Proposal and objections", "2026-01-25")]


def lead(owner, source, channel=Channel.INBOUND):
    return LeadFactory(owner=owner, source=source, channel=channel)


@pytest.fixture
def history(rep, teammate, outsider):
    """North (rep and teammate) closed six deals, South (outsider) one; one North deal is open.

    deal  owner     outcome    amount    lead            account                 competitor
    a     rep       won        EUR 1000  seo, inbound    Software/Europe/A       Acme
    b     rep       won        USD 500   -               -                       -
    c     rep       lost       EUR 1000  cold call, out  Software/Europe/A       Acme, Bolt
    d     rep       won        -         seo, inbound    Retail/(no region)/C    -
    e     teammate  suspended  EUR 1000  webinar, in     -                       -
    f     teammate  lost       EUR 1000  -               -                       -
    """
    software = AccountFactory(owner=rep, industry="Software", region="Europe", tier="A")
    retail = AccountFactory(owner=rep, industry="Retail", region="", tier="C")
    acme = Competitor.objects.create(name="Acme")
    bolt = Competitor.objects.create(name="Bolt")
    deals = {
        "a": history_deal(
            rep,
            WON_PATH,
            outcome=Outcome.WON,
            lead=lead(rep, Source.SEO),
            account=software,
        ),
        "b": history_deal(
            rep,
            [("Prospecting", "2026-03-01"), ("Won", "2026-03-11")],
            outcome=Outcome.UPGRADED,
            amount=500,
            currency="USD",
        ),
        "c": history_deal(
            rep,
            LOST_PATH,
            outcome=Outcome.LOST,
            lead=lead(rep, Source.COLD_CALL, Channel.OUTBOUND),
            account=software,
            lost_reason=lost_reason("Lost to a competitor"),
        ),
        "d": history_deal(
            rep,
            WON_PATH,
            outcome=Outcome.WON,
            amount=None,
            lead=lead(rep, Source.SEO),
            account=retail,
        ),
        "e": history_deal(
            teammate,
            SUSPENDED_PATH,
            outcome=Outcome.SUSPENDED,
            lead=lead(teammate, Source.WEBINAR),
            lost_reason=lost_reason("Timing: project postponed"),
        ),
        "f": history_deal(teammate, LOST_PATH, outcome=Outcome.LOST),
        "open": history_deal(teammate, [("Prospecting", "2026-02-01")]),
        "south": history_deal(outsider, WON_PATH, outcome=Outcome.WON, amount=9000),
    }
    DealCompetitor.objects.create(deal=deals["a"], competitor=acme)
    DealCompetitor.objects.create(deal=deals["c"], competitor=acme)
    DealCompetitor.objects.create(deal=deals["c"], competitor=bolt)
    return deals


def run(viewer, **query):
    return report_run(report_get("win-rates"), viewer, query)


def figures(report):
    """{label: (won, lost, suspended, win rate, won amount)}"""
    return {
        row["label"]: (
            row["won"],
            row["lost"],
            row["suspended"],
            row["win_rate"],
            row["won_amount"],
        )
        for row in report.rows
    }


def test_by_source_uses_the_deals_lead_and_puts_deals_without_a_lead_under_unknown(
    history, manager
):
    assert figures(run(manager, by="source")) == {
        # d was won without an amount: a won deal, no money.
        "SEO / search": (2, 0, 0, 1.0, {"EUR": "1000.00"}),
        "Cold call": (0, 1, 0, 0.0, {}),
        # Suspended only: nothing won or lost, so no win rate (not 0).
        "Webinar": (0, 0, 1, None, {}),
        "Unknown": (1, 1, 0, 0.5, {"USD": "500.00"}),
    }
    assert list(figures(run(manager, by="source")))[-1] == "Unknown"


def test_the_totals_count_each_deal_once_and_keep_currencies_apart(history, manager):
    report = run(manager, by="competitor")
    assert report.summary["won"] == 3 and report.summary["lost"] == 2
    assert report.summary["suspended"] == 1
    assert report.summary["win_rate"] == 0.6
    assert report.summary["won_amount"] == {"EUR": "1000.00", "USD": "500.00"}


def test_by_channel(history, manager):
    assert figures(run(manager, by="channel")) == {
        "Inbound": (2, 0, 1, 1.0, {"EUR": "1000.00"}),
        "Outbound": (0, 1, 0, 0.0, {}),
        "Unknown": (1, 1, 0, 0.5, {"USD": "500.00"}),
    }


def test_by_rep_and_by_team_with_ids_as_keys(history, manager, rep, teammate, north):
    rows = {row["key"]: row for row in run(manager, by="owner").rows}
    assert set(rows) == {rep.pk, teammate.pk}
    assert rows[rep.pk]["label"] == rep.get_full_name()
    assert (rows[rep.pk]["won"], rows[rep.pk]["lost"], rows[rep.pk]["win_rate"]) == (3, 1, 0.75)
    assert rows[rep.pk]["closed"] == 4
    assert rows[teammate.pk]["win_rate"] == 0.0
    (team,) = run(manager, by="team").rows
    assert (team["key"], team["label"], team["closed"]) == (north.pk, "North", 6)


def test_by_account_industry_region_and_tier(history, manager):
    assert figures(run(manager, by="industry")) == {
        "Retail": (1, 0, 0, 1.0, {}),
        "Software": (1, 1, 0, 0.5, {"EUR": "1000.00"}),
        "Unknown": (1, 1, 1, 0.5, {"USD": "500.00"}),
    }
    # A blank region and no account at all are both Unknown.
    assert figures(run(manager, by="region")) == {
        "Europe": (1, 1, 0, 0.5, {"EUR": "1000.00"}),
        "Unknown": (2, 1, 1, 0.6667, {"USD": "500.00"}),
    }
    by_tier = figures(run(manager, by="tier"))
    assert by_tier["A (key account)"] == (1, 1, 0, 0.5, {"EUR": "1000.00"})
    assert by_tier["C"] == (1, 0, 0, 1.0, {})


def test_a_deal_with_two_competitors_counts_for_each(history, manager):
    assert figures(run(manager, by="competitor")) == {
        "Acme": (1, 1, 0, 0.5, {"EUR": "1000.00"}),
        "Bolt": (0, 1, 0, 0.0, {}),
        "No competitor": (2, 1, 1, 0.6667, {"USD": "500.00"}),
    }


def test_by_product_counts_a_deal_once_per_product(history, manager):
    tracker, sensor = ProductFactory(name="Tracker"), ProductFactory(name="Sensor")
    # Deal a has the tracker on two lines: still one won deal of EUR 1000 for the tracker.
    for deal, product in [
        (history["a"], tracker),
        (history["a"], tracker),
        (history["a"], sensor),
        (history["c"], tracker),
        (history["open"], sensor),
    ]:
        DealLine.objects.create(deal=deal, product=product, unit_price=100)
    assert figures(run(manager, by="product")) == {
        "Sensor": (1, 0, 0, 1.0, {"EUR": "1000.00"}),
        "Tracker": (1, 1, 0, 0.5, {"EUR": "1000.00"}),
        "No product": (2, 1, 1, 0.6667, {"USD": "500.00"}),
    }


def test_lost_and_suspended_reasons_broken_down(history, manager):
    report = run(manager, by="lost_reason")
    rows = {row["label"]: row for row in report.rows}
    assert {label: (row["lost"], row["suspended"]) for label, row in rows.items()} == {
        "Lost to a competitor": (1, 0),
        "Price too high": (1, 0),
        "Timing: project postponed": (0, 1),
    }
    assert rows["Price too high"]["share"] == 0.3333
    assert rows["Price too high"]["lost_amount"] == {"EUR": "1000.00"}
    assert rows["Timing: project postponed"]["lost_amount"] == {}
    assert report.summary == {"lost": 2, "suspended": 1, "lost_amount": {"EUR": "2000.00"}}


def test_a_rep_sees_their_own_deals_and_an_admin_everyones(history, rep, admin_user, outsider):
    assert figures(run(rep, by="team")) == {
        "North": (3, 1, 0, 0.75, {"EUR": "1000.00", "USD": "500.00"})
    }
    everyone = {row["key"]: row["won"] for row in run(admin_user, by="owner").rows}
    assert everyone[outsider.pk] == 1 and sum(everyone.values()) == 4


def test_filters_narrow_the_deals(history, manager, rep):
    march = run(manager, by="owner", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert figures(march) == {rep.get_full_name(): (1, 0, 0, 1.0, {"USD": "500.00"})}
    inbound = run(manager, by="source", channel="inbound")
    assert set(figures(inbound)) == {"SEO / search", "Webinar"}


def test_no_closed_deal_gives_no_rows_and_no_win_rate(manager, rep):
    history_deal(rep, [("Prospecting", "2026-02-01")])
    report = run(manager, by="source")
    assert report.rows == []
    assert report.summary["win_rate"] is None


def test_a_bad_grouping_is_named(manager):
    with pytest.raises(FilterError) as caught:
        run(manager, by="moon")
    assert set(caught.value.errors) == {"by"}


def test_the_page_and_csv_show_the_figures(history, manager):
    client = client_for(manager)
    page = client.get("/analytics/win-rates/?by=source")
    assert page.status_code == 200
    html = page.content.decode()
    assert "SEO / search" in html and "50.0%" in html and "Unknown" in html
    csv = client.get("/analytics/win-rates/?by=source&format=csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "Source,Closed,Won,Lost,Suspended,Win rate,Won amount"
    assert "Webinar,1,0,0,1,," in text
    assert "Unknown,2,1,1,0,0.5,USD 500.00" in text
    reasons = client.get("/analytics/win-rates/?by=lost_reason").content.decode()
    assert "Timing: project postponed" in reasons


def test_the_api_answers_rows_and_refuses_a_bad_grouping(history, manager):
    api = ApiClient(manager)
    answer = api.get("/analytics/win-rates", {"by": "source"}).json()
    assert answer["filters"]["by"] == "source"
    unknown = next(row for row in answer["rows"] if row["label"] == "Unknown")
    assert unknown == {
        "key": None,
        "label": "Unknown",
        "closed": 2,
        "won": 1,
        "lost": 1,
        "suspended": 0,
        "win_rate": 0.5,
        "won_amount": {"USD": "500.00"},
    }
    assert api.get("/analytics/win-rates").json()["filters"]["by"] == "owner"
    assert invalid_fields(api.get("/analytics/win-rates", {"by": "moon"})) == {"by"}


@pytest.mark.parametrize("by", [choice for choice, _ in BY_CHOICES])
def test_every_grouping_draws_a_page(history, manager, by):
    page = client_for(manager).get(f"/analytics/win-rates/?by={by}")
    assert page.status_code == 200
    assert "Nothing to count" not in page.content.decode()


def test_a_rep_may_not_report_on_a_teammate(history, rep, teammate):
    with pytest.raises(FilterError) as caught:
        run(rep, owner=teammate.pk)
    assert set(caught.value.errors) == {"owner"}
    refused = ApiClient(rep).get("/analytics/win-rates", {"owner": teammate.pk})
    assert invalid_fields(refused) == {"owner"}


def count_queries(viewer, **query) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run(viewer, **query)
    return len(captured)


@pytest.mark.parametrize("by", ["owner", "source", "competitor", "product", "lost_reason"])
def test_the_figures_are_aggregated_so_queries_do_not_grow_with_deals(history, manager, rep, by):
    DealLine.objects.create(deal=history["a"], product=ProductFactory(), unit_price=1)
    run(manager, by=by)  # the manager's teams are looked up once, then remembered
    before = count_queries(manager, by=by)
    for n in range(3):
        deal = history_deal(rep, LOST_PATH, outcome=Outcome.LOST, lead=lead(rep, Source.EMAIL))
        DealCompetitor.objects.create(deal=deal, competitor=Competitor.objects.create(name=f"C{n}"))
        DealLine.objects.create(deal=deal, product=ProductFactory(), unit_price=1)
    assert count_queries(manager, by=by) == before


@pytest.mark.parametrize("path", ["win-rates", "sources", "activity", "objections"])
def test_the_api_routes_answer_401_without_a_token(db, path):
    from django.test import Client

    assert Client().get(f"/api/v1/analytics/{path}").status_code == 401
