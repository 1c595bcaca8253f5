"""The deal funnel (stages and monthly cohorts) and the lead funnel, against figures counted by
hand on small histories."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import client_for
from salesflow.analytics.filters import FilterError
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.leads.models import Channel, LeadStatus, Source
from salesflow.pipeline.models import Outcome, Pipeline, Stage
from salesflow.pipeline.services import deal_reopen
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

STAGES = [
    "Prospecting",
    "Qualification",
    "Needs assessment",
    "Presentation / demo",
    "Proposal and objections",
    "Closing",
    "Won",
]


@pytest.fixture
def history(rep, teammate, outsider):
    """Rep, created in January: A goes straight through and is won; B skips to Proposal and is
    lost; C goes back to Qualification and enters it twice (no amount); D is won from
    Qualification and reopened into Closing. E is created in February. The teammate has one
    open deal in Prospecting; the outsider (South) wins one."""
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-05"),
            ("Qualification", "2026-01-10"),
            ("Needs assessment", "2026-01-15"),
            ("Presentation / demo", "2026-01-20"),
            ("Proposal and objections", "2026-01-25"),
            ("Closing", "2026-02-01"),
            ("Won", "2026-02-10"),
        ],
        outcome=Outcome.WON,
        name="A",
    )
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-06"),
            ("Proposal and objections", "2026-01-12"),
            ("Lost", "2026-01-20"),
        ],
        outcome=Outcome.LOST,
        name="B",
    )
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-07"),
            ("Qualification", "2026-01-09"),
            ("Needs assessment", "2026-01-12"),
            ("Qualification", "2026-01-15"),
            ("Needs assessment", "2026-01-20"),
        ],
        amount=None,
        name="C",
    )
    won_then_reopened = history_deal(
        rep,
        [("Prospecting", "2026-01-08"), ("Qualification", "2026-01-10"), ("Won", "2026-01-20")],
        outcome=Outcome.WON,
        name="D",
    )
    deal_reopen(won_then_reopened, acting_user=rep, at=at("2026-01-25"))
    history_deal(rep, [("Prospecting", "2026-02-03")], name="E")
    history_deal(teammate, [("Prospecting", "2026-01-11")], name="T")
    history_deal(
        outsider, [("Prospecting", "2026-01-05"), ("Won", "2026-01-30")], outcome=Outcome.WON
    )


def run(viewer, slug="funnel", **query):
    return report_run(report_get(slug), viewer, query)


def by_stage(report, *keys):
    return {row["stage"]: tuple(row[key] for key in keys) for row in report.rows}


def test_each_stage_counts_deals_that_reached_it_moved_on_and_were_won(history, rep):
    report = run(rep)
    assert [row["stage"] for row in report.rows] == STAGES
    assert by_stage(report, "reached", "advanced", "won") == {
        "Prospecting": (5, 4, 1),
        # C entered Qualification twice and counts once; D moved on from it straight to Won.
        "Qualification": (3, 3, 1),
        # C came back to Needs assessment but never went further.
        "Needs assessment": (2, 1, 1),
        "Presentation / demo": (1, 1, 1),
        # B skipped here from Prospecting, then was lost: losing is not moving on.
        "Proposal and objections": (2, 1, 1),
        # D was reopened into Closing and has not moved since.
        "Closing": (2, 1, 1),
        # D reached Won but is open again, so it is not won from any stage.
        "Won": (2, 0, 1),
    }
    assert report.summary == {
        "pipeline": "Sales process",
        "deals": 5,
        "won": 1,
        "lost": 1,
        "win_rate": 0.5,
    }


def test_conversions_divide_by_deals_that_reached_the_stage(history, rep):
    report = run(rep)
    assert by_stage(report, "conversion_to_next", "conversion_to_won") == {
        "Prospecting": (0.6, 0.2),
        "Qualification": (0.6667, 0.3333),
        "Needs assessment": (0.5, 0.5),
        # B skipped Presentation into Proposal, so more deals reached the next stage.
        "Presentation / demo": (2.0, 1.0),
        "Proposal and objections": (1.0, 0.5),
        "Closing": (1.0, 0.5),
        # Won has no next stage.
        "Won": (None, 0.5),
    }


def test_a_stage_nobody_reached_has_no_conversion_rather_than_zero(history, rep):
    report = run(rep, **{"from": "2026-02-01"})
    rows = {row["stage"]: row for row in report.rows}
    assert rows["Prospecting"]["reached"] == 1
    assert rows["Prospecting"]["conversion_to_next"] == 0.0
    assert rows["Qualification"]["reached"] == 0
    assert rows["Qualification"]["conversion_to_next"] is None
    assert rows["Qualification"]["conversion_to_won"] is None
    assert report.summary["win_rate"] is None


def test_activity_mode_counts_stage_entries_in_the_period(history, rep):
    report = run(rep, mode="activity", **{"from": "2026-01-10", "to": "2026-01-20"})
    assert by_stage(report, "reached", "advanced", "won") == {
        "Prospecting": (0, 0, 0),
        "Qualification": (3, 3, 0),
        "Needs assessment": (2, 1, 0),
        # A moved on to Proposal on Jan 25, after the period.
        "Presentation / demo": (1, 0, 0),
        "Proposal and objections": (1, 0, 0),
        "Closing": (0, 0, 0),
        # D entered Won on Jan 20; A was won in February, outside the period.
        "Won": (1, 0, 0),
    }
    rows = {row["stage"]: row for row in report.rows}
    assert rows["Prospecting"]["conversion_to_next"] is None
    assert rows["Qualification"]["conversion_to_next"] == 0.6667
    assert rows["Proposal and objections"]["conversion_to_won"] == 0.0
    assert report.notes[1].startswith("Counts moves into each stage made in the period")


def test_cohorts_count_deals_by_the_month_they_were_created(history, rep):
    report = run(rep, view="cohorts")
    assert report.rows == [
        {"month": "2026-01", "created": 4, "won": 1, "lost": 1, "win_rate": 0.5},
        {"month": "2026-02", "created": 1, "won": 0, "lost": 0, "win_rate": None},
    ]


def test_moving_on_counts_only_moves_made_after_entering_the_stage(rep):
    # Skipped ahead to Proposal, then back to Qualification, where it stays.
    history_deal(
        rep,
        [
            ("Prospecting", "2026-01-01"),
            ("Proposal and objections", "2026-01-05"),
            ("Qualification", "2026-01-09"),
        ],
    )
    rows = by_stage(run(rep), "reached", "advanced")
    assert rows["Prospecting"] == (1, 1)
    assert rows["Qualification"] == (1, 0)
    assert rows["Proposal and objections"] == (1, 0)


def test_an_upgrade_counts_as_won_and_a_resumed_deal_enters_no_stage(rep):
    history_deal(
        rep,
        [("Prospecting", "2026-01-01"), ("Won", "2026-01-09")],
        outcome=Outcome.UPGRADED,
    )
    suspended = history_deal(
        rep,
        [("Prospecting", "2026-01-01"), ("Qualification", "2026-01-02")],
        outcome=Outcome.SUSPENDED,
        closed="2026-01-04",
    )
    deal_reopen(suspended, acting_user=rep, at=at("2026-01-20"))
    assert by_stage(run(rep), "reached", "won")["Prospecting"] == (2, 1)
    # Resuming on Jan 20 leaves the deal where it was: no entry into Qualification then.
    period = {"from": "2026-01-15", "to": "2026-01-31"}
    activity = by_stage(run(rep, mode="activity", **period), "reached")
    assert activity["Qualification"] == (0,)


def test_a_manager_a_rep_and_an_admin_count_different_deals(history, rep, manager, admin_user):
    def prospecting(viewer):
        return by_stage(run(viewer), "reached", "won")["Prospecting"]

    assert prospecting(rep) == (5, 1)
    assert prospecting(manager) == (6, 1)
    assert prospecting(admin_user) == (7, 2)
    # The outsider went from Prospecting straight to Won.
    assert by_stage(run(admin_user), "reached")["Won"] == (3,)


def test_a_filter_narrows_and_an_unknown_pipeline_is_refused(history, manager, teammate):
    assert by_stage(run(manager, owner=teammate.pk), "reached")["Prospecting"] == (1,)
    with pytest.raises(FilterError) as caught:
        run(manager, pipeline=999999, view="sideways")
    assert set(caught.value.errors) == {"pipeline", "view"}


def test_another_pipeline_is_reported_when_filtered_and_named_in_the_notes(history, rep):
    other_pipeline = Pipeline.objects.create(name="Upsell")
    Stage.objects.bulk_create(
        [
            Stage(pipeline=other_pipeline, name="Discovery", position=1, probability=20),
            Stage(pipeline=other_pipeline, name="Offer", position=2, probability=60),
            Stage(pipeline=other_pipeline, name="Won", position=3, probability=100, kind="won"),
            Stage(pipeline=other_pipeline, name="Lost", position=4, probability=0, kind="lost"),
        ]
    )
    history_deal(
        rep,
        [("Discovery", "2026-01-05"), ("Won", "2026-01-09")],
        outcome=Outcome.WON,
        pipeline=other_pipeline,
    )
    report = run(rep, pipeline=other_pipeline.pk)
    assert by_stage(report, "reached", "advanced", "won") == {
        "Discovery": (1, 1, 1),
        "Offer": (0, 0, 0),
        "Won": (1, 0, 1),
    }
    assert report.notes[0] == "Pipeline: Upsell (the pipeline filter)."
    assert run(rep).notes[0] == "Pipeline: Sales process (the default pipeline)."


def test_the_page_and_the_csv_show_the_funnel(history, rep):
    client = client_for(rep)
    page = client.get("/analytics/funnel/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Proposal and objections" in html and "60.0%" in html and "200.0%" in html
    cohorts = client.get("/analytics/funnel/?view=cohorts")
    assert "2026-01" in cohorts.content.decode()
    csv = client.get("/analytics/funnel/?format=csv")
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Stage,Reached,Moved on,Won from it,To next stage,To won"
    assert "Prospecting,5,4,1,0.6,0.2" in lines
    assert "Won,2,0,1,,0.5" in lines
    assert client.get("/analytics/funnel/?mode=sideways").status_code == 400


def test_the_api_answers_stage_rows(history, rep):
    api = ApiClient(rep)
    answer = api.get("/analytics/funnel").json()
    first = answer["rows"][0]
    assert {k: first[k] for k in ("stage", "reached", "advanced", "won")} == {
        "stage": "Prospecting",
        "reached": 5,
        "advanced": 4,
        "won": 1,
    }
    assert (first["conversion_to_next"], first["conversion_to_won"]) == (0.6, 0.2)
    assert answer["filters"]["mode"] == "created" and answer["filters"]["view"] == "stages"
    assert answer["deals"] == 5 and answer["pipeline"] == "Sales process"
    cohorts = api.get("/analytics/funnel", {"view": "cohorts"}).json()
    assert cohorts["rows"][0]["month"] == "2026-01"
    assert invalid_fields(api.get("/analytics/funnel", {"mode": "moon"})) == {"mode"}
    assert invalid_fields(api.get("/analytics/funnel", {"view": "moon"})) == {"view"}


# The lead funnel ---------------------------------------------------------------------------


@pytest.fixture
def leads(rep, outsider):
    """Rep: inbound L1 new, L2 qualified, L3 converted and won; outbound L4 converted and
    lost, L5 qualified then disqualified, L6 disqualified unqualified; inbound L7 merged into
    a contact (converted, no deal). The outsider has one."""
    now = timezone.now()
    LeadFactory(owner=rep, channel=Channel.INBOUND, source=Source.SEO, source_detail="Google")
    LeadFactory(
        owner=rep,
        channel=Channel.INBOUND,
        source=Source.SEO,
        source_detail="Google",
        status=LeadStatus.QUALIFIED,
        qualified_at=now,
    )
    l3 = LeadFactory(
        owner=rep,
        channel=Channel.INBOUND,
        source=Source.WEBINAR,
        status=LeadStatus.CONVERTED,
        qualified_at=now,
    )
    l4 = LeadFactory(
        owner=rep, channel=Channel.OUTBOUND, source=Source.COLD_CALL, status=LeadStatus.CONVERTED
    )
    LeadFactory(
        owner=rep,
        channel=Channel.OUTBOUND,
        source=Source.COLD_CALL,
        status=LeadStatus.DISQUALIFIED,
        qualified_at=now,
    )
    LeadFactory(
        owner=rep, channel=Channel.OUTBOUND, source=Source.EMAIL, status=LeadStatus.DISQUALIFIED
    )
    history_deal(
        rep, [("Prospecting", "2026-01-05"), ("Won", "2026-01-20")], outcome=Outcome.WON, lead=l3
    )
    history_deal(
        rep, [("Prospecting", "2026-01-05"), ("Lost", "2026-01-20")], outcome=Outcome.LOST, lead=l4
    )
    # Merged into an existing contact: converted, but into no deal.
    LeadFactory(
        owner=rep, channel=Channel.INBOUND, source=Source.CONTENT, status=LeadStatus.CONVERTED
    )
    LeadFactory(owner=outsider, channel=Channel.INBOUND, source=Source.SEO)


def test_the_lead_funnel_counts_qualified_converted_and_won_by_channel(leads, manager):
    report = run(manager, "lead-funnel")
    rows = {row["key"]: row for row in report.rows}
    assert set(rows) == {"inbound", "outbound"}
    assert rows["inbound"] == {
        "key": "inbound",
        "label": "Inbound",
        "leads": 4,
        # L2, L3, and L7 whose status says converted.
        "qualified": 3,
        # L7 was merged, not converted into a deal.
        "converted": 1,
        "won": 1,
        "qualification_rate": 0.75,
        "conversion_rate": 0.3333,
        "win_rate": 1.0,
        "lead_to_win": 0.25,
    }
    # L4 was converted (so qualified) without a qualified_at; L5 was qualified, then dropped.
    outbound = rows["outbound"]
    assert (outbound["leads"], outbound["qualified"], outbound["converted"], outbound["won"]) == (
        3,
        2,
        1,
        0,
    )
    assert outbound["win_rate"] == 0.0
    assert report.summary["leads"] == 7 and report.summary["won"] == 1
    assert report.summary["converted"] == 2 and report.summary["conversion_rate"] == 0.4


def test_the_lead_funnel_by_source_leaves_rates_empty_without_a_denominator(leads, rep):
    rows = {row["key"]: row for row in run(rep, "lead-funnel", by="source").rows}
    assert rows["email"]["leads"] == 1 and rows["email"]["qualified"] == 0
    assert rows["email"]["conversion_rate"] is None and rows["email"]["win_rate"] is None
    assert rows["cold_call"]["label"] == "Cold call"
    detail = {
        row["label"]: row["leads"] for row in run(rep, "lead-funnel", by="source_detail").rows
    }
    assert detail == {"(not given)": 5, "Google": 2}


def test_the_lead_funnel_is_filtered_and_served_by_page_csv_and_api(leads, rep, admin_user):
    assert run(admin_user, "lead-funnel").summary["leads"] == 8
    assert run(rep, "lead-funnel", channel="outbound").summary["leads"] == 3
    client = client_for(rep)
    assert "Inbound" in client.get("/analytics/lead-funnel/").content.decode()
    csv = client.get("/analytics/lead-funnel/?format=csv&by=source")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Cold call,2,2,1,0,1.0,0.5,0.0,0.0" in text
    api = ApiClient(rep)
    answer = api.get("/analytics/lead-funnel", {"by": "source"}).json()
    assert {row["key"]: row["won"] for row in answer["rows"]}["webinar"] == 1
    assert invalid_fields(api.get("/analytics/lead-funnel", {"by": "moon"})) == {"by"}
