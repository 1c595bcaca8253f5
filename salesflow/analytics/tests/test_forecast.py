"""The weighted pipeline (forecast report, page, CSV, API) and the feature table the learned
models read, checked by hand on small histories."""

from __future__ import annotations

import math

import pytest
import time_machine
from django.utils import timezone

from conftest import client_for
from salesflow.analytics.forecast.features import deal_features, deal_snapshots, lead_features
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient
from salesflow.customers.models import Tier
from salesflow.leads.models import LeadStatus, Source
from salesflow.pipeline.models import Deal, DealStakeholder, Outcome, StakeholderRole
from salesflow.playbooks.models import DealObjection
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    stage_named,
)

pytestmark = pytest.mark.django_db

NOW = "2026-03-01 12:00"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 1, 12)), tick=False):
        yield


def open_deal(owner, stage, *, close_on, amount=1000, currency="EUR", **fields):
    return history_deal(
        owner,
        [
            ("Prospecting", "2026-01-05"),
            *([(stage, "2026-02-01")] if stage != "Prospecting" else []),
        ],
        amount=amount,
        currency=currency,
        expected_close_on=close_on,
        **fields,
    )


@pytest.fixture
def pipeline_open(rep, teammate, outsider):
    """Rep: EUR 1000 in Proposal (65 %) and USD 500 in Qualification (10 %) closing in March,
    a deal without an amount in Needs assessment in March, EUR 2000 in Prospecting (5 %) in
    April, EUR 300 in Presentation (45 %) without a date. Teammate: EUR 800 in Closing (85 %) in
    March. Outsider (another team): EUR 9000 in March. One won deal (closed) counts nowhere."""
    march, april = "2026-03-10", "2026-04-02"
    open_deal(rep, "Proposal and objections", close_on=march)
    open_deal(rep, "Qualification", close_on="2026-03-20", amount=500, currency="USD")
    open_deal(rep, "Needs assessment", close_on="2026-03-05", amount=None)
    open_deal(rep, "Prospecting", close_on=april, amount=2000)
    open_deal(rep, "Presentation / demo", close_on=None, amount=300)
    open_deal(teammate, "Closing", close_on=march, amount=800)
    open_deal(outsider, "Closing", close_on=march, amount=9000)
    history_deal(
        rep,
        [("Prospecting", "2026-01-05"), ("Won", "2026-02-04")],
        outcome=Outcome.WON,
        amount=5000,
        expected_close_on=march,
    )


def run(viewer, slug="forecast", **query):
    return report_run(report_get(slug), viewer, query)


def test_weighted_pipeline_is_amount_times_stage_probability_per_month_and_currency(
    pipeline_open, manager
):
    report = run(manager)
    rows = {row["label"]: row for row in report.rows}
    assert list(rows) == ["March 2026", "April 2026", "No date"]
    march = rows["March 2026"]
    assert march["month"] == "2026-03"
    # 1000 x 65 % + 800 x 85 %; USD 500 x 10 %; the deal without an amount counts, adds nothing.
    assert march["weighted_amount"] == {"EUR": "1330.00", "USD": "50.00"}
    assert march["deals"] == 4
    assert rows["April 2026"]["weighted_amount"] == {"EUR": "100.00"}
    assert rows["No date"] == {
        "month": None,
        "label": "No date",
        "deals": 1,
        "weighted_amount": {"EUR": "135.00"},
        "learned_amount": None,
    }
    assert report.summary["weighted_amount"] == {"EUR": "1565.00", "USD": "50.00"}
    assert report.summary["learned_amount"] is None
    assert any("No learned model" in note for note in report.notes)


def test_a_rep_sees_only_the_forecast_of_their_own_deals(pipeline_open, rep):
    rows = {row["label"]: row for row in run(rep).rows}
    assert rows["March 2026"]["weighted_amount"] == {"EUR": "650.00", "USD": "50.00"}
    assert rows["March 2026"]["deals"] == 3


def test_the_period_applies_to_the_expected_close_date_and_leaves_undated_deals_out(
    pipeline_open, manager
):
    report = run(manager, **{"from": "2026-04-01", "to": "2026-04-30"})
    assert [row["label"] for row in report.rows] == ["April 2026"]


def test_the_page_the_csv_and_the_api_show_the_same_forecast(pipeline_open, manager, rep):
    client = client_for(manager)
    page = client.get("/analytics/forecast/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "March 2026" in text and "EUR 1,330.00" in text
    assert "Train the models now" in text
    assert (
        "Train the models now" not in client_for(rep).get("/analytics/forecast/").content.decode()
    )
    csv = client.get("/analytics/forecast/?format=csv")
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Expected close,Open deals,Weighted (stage probability)")
    assert any(line.startswith("March 2026,4,EUR 1330.00; USD 50.00") for line in lines)

    answer = ApiClient(manager).get("/analytics/forecast")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    march = body["rows"][0]
    assert (march["month"], march["deals"], march["weighted_amount"], march["learned_amount"]) == (
        "2026-03",
        4,
        {"EUR": "1330.00", "USD": "50.00"},
        None,
    )
    assert body["rows"][-1]["month"] is None
    assert ApiClient(manager).get("/analytics/forecast?from=soon").status_code == 422


def test_only_managers_may_ask_for_training(manager, rep, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    assert client_for(rep).post("/analytics/forecast/train/").status_code == 403
    response = client_for(manager).post("/analytics/forecast/train/")
    assert response.status_code == 302
    assert client_for(manager).get("/analytics/forecast/train/").status_code == 405


# -- the feature table ---------------------------------------------------------------------------


@pytest.fixture
def worked_deal(rep):
    """An open deal from a referral lead at a tier-A software account: two activities done, one
    planned, a decision maker, an objection, in Presentation since February."""
    lead = LeadFactory(owner=rep, source=Source.REFERRAL, channel="inbound")
    account = AccountFactory(owner=rep, industry="Software", tier=Tier.A)
    deal = history_deal(
        rep,
        [("Prospecting", "2026-01-30"), ("Presentation / demo", "2026-02-10")],
        amount=1000,
        lead=lead,
        account=account,
    )
    for day in ("2026-02-01", "2026-02-15"):
        ActivityFactory(owner=rep, deal=deal, done_at=at(day))
    ActivityFactory(owner=rep, deal=deal, done_at=None, due_at=at("2026-03-10"))
    contact = ContactFactory(owner=rep, account=account)
    DealStakeholder.objects.create(deal=deal, contact=contact, role=StakeholderRole.DECISION_MAKER)
    DealObjection.objects.create(
        deal=deal,
        category="price",
        customer_words="Too dear",
        stage=stage_named("Presentation / demo"),
        logged_at=at("2026-02-12"),
    )
    return deal


def test_a_deal_s_features_are_read_from_its_records(worked_deal):
    # Asked an hour after the records were made (the clock stands still in these tests).
    table = deal_features(Deal.objects.filter(pk=worked_deal.pk), now=at("2026-03-01", 13))
    (row,) = table.rows
    assert row["stage"] == "Presentation / demo"
    # 30 January 09:00 to 1 March 13:00.
    assert row["age_days"] == pytest.approx(30 + 4 / 24)
    assert row["log_amount"] == pytest.approx(math.log1p(1000))
    # The planned activity was recorded today (before now): it counts; done ones when done.
    assert (row["activities"], row["stakeholders"], row["decision_maker"]) == (3.0, 1.0, 1.0)
    assert (row["objections"], row["bant"]) == (1.0, 0.0)
    assert (row["source"], row["channel"], row["owner"]) == ("referral", "inbound", "rep")
    assert (row["industry"], row["tier"], row["currency"]) == ("Software", "A", "EUR")
    assert table.outcomes == [None]
    assert table.baseline == [0.45]


def test_a_closed_deal_s_features_ignore_what_happened_after_it_closed(worked_deal, rep):
    """Leakage guard: the same deal, lost on 20 February; an activity, a stakeholder and an
    objection after that day are not counted, and its stage is where it stood, not Lost."""
    lost = history_deal(
        rep,
        [
            ("Prospecting", "2026-01-30"),
            ("Presentation / demo", "2026-02-10"),
            ("Lost", "2026-02-20"),
        ],
        outcome=Outcome.LOST,
    )
    ActivityFactory(owner=rep, deal=lost, done_at=at("2026-02-15"))
    ActivityFactory(owner=rep, deal=lost, done_at=at("2026-02-25"))
    DealObjection.objects.create(
        deal=lost,
        category="price",
        customer_words="Still too dear",
        stage=stage_named("Presentation / demo"),
        logged_at=at("2026-02-21"),
    )
    DealStakeholder.objects.create(
        deal=lost, contact=ContactFactory(owner=rep), role=StakeholderRole.DECISION_MAKER
    )  # added today, after the close
    table = deal_features(Deal.objects.filter(pk=lost.pk), now=timezone.now())
    (row,) = table.rows
    assert row["stage"] == "Presentation / demo"
    assert row["age_days"] == pytest.approx(21)
    assert (row["activities"], row["objections"], row["stakeholders"]) == (1.0, 0.0, 0.0)
    assert table.outcomes == [False]
    assert table.baseline == [0.45]

    # What the model learns from: the deal as it stood on entering each open stage.
    snapshots = deal_snapshots(Deal.objects.filter(pk=lost.pk))
    assert [row["stage"] for row in snapshots.rows] == ["Prospecting", "Presentation / demo"]
    assert [row["age_days"] for row in snapshots.rows] == [0.0, pytest.approx(11)]
    assert [row["activities"] for row in snapshots.rows] == [0.0, 0.0]
    assert snapshots.outcomes == [False, False]
    assert snapshots.groups == [lost.pk, lost.pk]
    assert snapshots.baseline == [0.05, 0.45]


def test_a_lead_s_features_count_activities_before_it_converted(rep):
    converted = LeadFactory(
        owner=rep,
        source=Source.WEBINAR,
        status=LeadStatus.CONVERTED,
        converted_at=at("2026-02-01"),
        industry="Retail",
    )
    for day in ("2026-01-10", "2026-01-20", "2026-02-10"):
        ActivityFactory(owner=rep, lead=converted, deal=None, done_at=at(day))
    working = LeadFactory(owner=rep, source=Source.COLD_CALL, channel="outbound")
    from salesflow.leads.models import Lead

    table = lead_features(
        Lead.objects.filter(pk__in=[converted.pk, working.pk]), now=timezone.now()
    )
    rows = dict(zip(table.ids, table.rows, strict=True))
    outcomes = dict(zip(table.ids, table.outcomes, strict=True))
    assert rows[converted.pk]["activities"] == 2.0
    assert (rows[converted.pk]["source"], rows[converted.pk]["industry"]) == ("webinar", "Retail")
    assert rows[working.pk]["channel"] == "outbound"
    assert outcomes == {converted.pk: True, working.pk: None}
