"""The funnel's and detours' summary rows (salesflow.analytics.summary): the reports read
through them give what the reports' own SQL over the history gives, for every role, filter and
grouping, and every writer of the stage history keeps them current."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from salesflow.analytics.models import DealHistoryFacts, DealStageDetour, ReportSummaryState
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.reports import detours as detours_module
from salesflow.analytics.reports import funnel as funnel_module
from salesflow.analytics.summary import (
    deal_summaries_refresh,
    report_summaries_rebuild,
    stage_bits,
    summary_fresh,
)
from salesflow.analytics.tasks import report_summaries_task
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.pipeline.configuration import pipeline_create, stage_remove, stages_reorder
from salesflow.pipeline.models import Deal, Outcome, Pipeline, StageKind
from salesflow.pipeline.services import (
    DealHistory,
    deal_close,
    deal_create,
    deal_delete,
    deal_move,
    deal_reopen,
    deals_create_with_history,
)
from tests.factories import AccountFactory, default_pipeline, lost_reason, stage_named

pytestmark = pytest.mark.django_db

FUNNEL_OPTIONS = [{"mode": "created"}, {"mode": "activity"}]
DETOUR_OPTIONS = [{"by": by} for by in ("deal", "stage", "owner", "pipeline")]


def read(viewer: Any, slug: str, options: dict[str, Any], *, summary: bool, monkeypatch) -> Any:
    """The report as the summary gives it (`summary`), or as the history's SQL does."""
    if summary:
        assert summary_fresh(), "the summary should be up to date here"
    else:
        monkeypatch.setattr(funnel_module, "summary_stage_bits", lambda *a, **k: None)
        monkeypatch.setattr(detours_module, "summary_fresh", lambda *a, **k: False)
    try:
        report = report_run(report_get(slug), viewer, options)
    finally:
        monkeypatch.undo()
    return report.rows, report.summary


def assert_same(viewer: Any, slug: str, options: dict[str, Any], monkeypatch) -> Any:
    by_summary = read(viewer, slug, options, summary=True, monkeypatch=monkeypatch)
    by_sql = read(viewer, slug, options, summary=False, monkeypatch=monkeypatch)
    assert by_summary == by_sql, (viewer.username, slug, options)
    return by_summary


def assert_all_same(viewers: list[Any], filters: list[dict[str, Any]], monkeypatch) -> None:
    for viewer in viewers:
        for extra in filters:
            for options in FUNNEL_OPTIONS:
                assert_same(viewer, "funnel", {**options, **extra}, monkeypatch)
            for options in DETOUR_OPTIONS:
                assert_same(viewer, "detours", {**options, **extra}, monkeypatch)


def random_histories(rng: random.Random, owners: list[Any], pipeline: Pipeline, n: int) -> None:
    """`n` deals with random paths: backward moves, skips, repeated stays, stays in place
    (suspension-like), estimated moments, every outcome, through the bulk writer."""
    stages = list(pipeline.stages.filter(archived_at__isnull=True).order_by("position"))
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    histories = []
    for index in range(n):
        owner = rng.choice(owners)
        moment = at("2025-01-01") + dt.timedelta(days=rng.randrange(0, 300))
        path = []
        for _ in range(rng.randint(1, 7)):
            path.append((rng.choice(open_stages), moment, owner))
            moment += dt.timedelta(hours=rng.choice([0, 5, 24, 24 * 3, 24 * 11]))
        outcome = rng.choice([Outcome.OPEN, Outcome.WON, Outcome.LOST, Outcome.SUSPENDED])
        if outcome in (Outcome.WON, Outcome.UPGRADED):
            path.append((won, moment, owner))
        elif outcome == Outcome.LOST:
            path.append((lost, moment, owner))
        estimated = {i for i in range(len(path)) if rng.random() < 0.1}
        deal = Deal(
            name=f"Random {index}",
            owner=owner,
            team=owner.teams.order_by("pk").first(),
            pipeline=pipeline,
            amount=Decimal(1000),
            currency="EUR",
            lost_reason=lost_reason() if outcome in (Outcome.LOST, Outcome.SUSPENDED) else None,
        )
        closed_at = moment + dt.timedelta(days=1) if outcome == Outcome.SUSPENDED else None
        histories.append(
            DealHistory(
                deal=deal, path=path, outcome=outcome, closed_at=closed_at, estimated=estimated
            )
        )
    created = deals_create_with_history(histories)
    for deal, history in zip(created, histories, strict=True):
        Deal.objects.filter(pk=deal.pk).update(created_at=history.path[0][1])


def some_transitions(rng: random.Random, admin: Any, pipeline: Pipeline, count: int) -> None:
    """Moves, closes and reopenings after the fact, through the services (transition_apply)."""
    open_stages = list(pipeline.stages.filter(kind=StageKind.OPEN, archived_at__isnull=True))
    deals = list(Deal.objects.filter(pipeline=pipeline).order_by("pk"))
    for deal in rng.sample(deals, min(count, len(deals))):
        deal.refresh_from_db()
        if deal.outcome == Outcome.OPEN:
            target = rng.choice([s for s in open_stages if s.pk != deal.stage_id] or open_stages)
            if target.pk != deal.stage_id:
                deal_move(deal, to_stage=target, acting_user=admin, override_reason="test")
        elif deal.outcome == Outcome.SUSPENDED:
            deal_reopen(deal, acting_user=admin)
        else:
            deal_reopen(deal, acting_user=admin, to_stage=rng.choice(open_stages))
            deal.refresh_from_db()
            if rng.random() < 0.5:
                deal_close(deal, outcome=Outcome.WON, acting_user=admin, override_reason="test")


@pytest.fixture
def second_pipeline(admin_user):
    pipeline = pipeline_create(
        name="Renewals",
        stages=["Contacted", "Offered", "Negotiated", "Signed off"],
        acting_user=admin_user,
    )
    report_summaries_rebuild([pipeline])
    return pipeline


def test_random_histories_read_through_the_summary_equal_the_history_sql(
    rep, teammate, outsider, manager, admin_user, second_pipeline, monkeypatch
):
    rng = random.Random(14)
    owners = [rep, teammate, outsider, manager]
    random_histories(rng, owners, default_pipeline(), 60)
    random_histories(rng, owners, second_pipeline, 25)
    some_transitions(rng, admin_user, default_pipeline(), 20)
    some_transitions(rng, admin_user, second_pipeline, 8)
    assert DealStageDetour.objects.exists()
    filters = [
        {},
        {"pipeline": second_pipeline.pk},
        {"from": "2025-03-01", "to": "2025-08-31"},
        {"owner": teammate.pk},
        {"team": rep.teams.get().pk},
    ]
    assert_all_same([admin_user, manager], filters, monkeypatch)
    assert_all_same([rep, outsider], [{}, {"from": "2025-05-01"}], monkeypatch)


def test_hand_made_histories_read_through_the_summary_equal_the_history_sql(
    rep, manager, admin_user, monkeypatch
):
    hand_made = [
        # straight through, won
        ([("Prospecting", "2025-01-02"), ("Qualification", "2025-01-05")], Outcome.WON, None),
        # backward moves, repeated stays, extra days
        (
            [("Prospecting", "2025-01-02"), ("Needs assessment", "2025-01-05"),
             ("Qualification", "2025-01-07"), ("Needs assessment", "2025-01-15"),
             ("Prospecting", "2025-01-16"), ("Needs assessment", "2025-01-20")],
            Outcome.OPEN, None,
        ),
        # skips to Won, then lost from a repeated stage
        ([("Prospecting", "2025-02-02"), ("Closing", "2025-02-03")], Outcome.LOST, None),
        # estimated moments in a detour
        (
            [("Qualification", "2025-02-02"), ("Prospecting", "2025-02-04"),
             ("Qualification", "2025-02-09"), ("Needs assessment", "2025-02-10")],
            Outcome.OPEN, {2},
        ),
        # suspended in place
        ([("Prospecting", "2025-03-02"), ("Qualification", "2025-03-04")], Outcome.SUSPENDED,
         None),
    ]  # fmt: skip
    deals = []
    for path, outcome, estimated in hand_made:
        deals.append(history_deal(rep, path, outcome=outcome, estimated=estimated))
    # reopen the won deal into Qualification and the suspended one in place; move back again
    deal_reopen(deals[0], acting_user=admin_user, to_stage=stage_named("Qualification"))
    deal_reopen(deals[4], acting_user=admin_user)
    deals[4].refresh_from_db()
    deal_move(deals[4], to_stage=stage_named("Prospecting"), acting_user=admin_user)
    assert_all_same([rep, manager, admin_user], [{}, {"to": "2025-01-31"}], monkeypatch)
    rows, summary = assert_same(admin_user, "detours", {"by": "stage"}, monkeypatch)
    assert summary["backward_moves"] >= 4 and summary["reopened"] == 2
    assert summary["estimated_left_out"] >= 1
    rows, _ = assert_same(admin_user, "funnel", {"mode": "created"}, monkeypatch)
    reached = {row["stage"]: row["reached"] for row in rows}
    assert reached["Prospecting"] == 5 and reached["Qualification"] == 4


def test_an_archived_stage_and_a_reorder_make_the_pipeline_stale_until_rebuilt(
    rep, admin_user, monkeypatch
):
    rng = random.Random(3)
    random_histories(rng, [rep], default_pipeline(), 30)
    assert summary_fresh()
    needs = stage_named("Needs assessment")
    stage_remove(needs, acting_user=admin_user, move_deals_to=stage_named("Qualification"))
    needs.refresh_from_db()
    assert needs.archived_at is not None
    # Stale: the reports read the history, and still give the right figures.
    assert not summary_fresh()
    sql = read(admin_user, "detours", {"by": "stage"}, summary=False, monkeypatch=monkeypatch)
    assert report_run(report_get("detours"), admin_user, {"by": "stage"}).rows == sql[0]
    assert report_summaries_rebuild() == {p.pk: True for p in Pipeline.objects.all()}
    assert_all_same([admin_user, rep], [{}], monkeypatch)

    pipeline = default_pipeline()
    open_ids = list(
        pipeline.stages.filter(kind=StageKind.OPEN, archived_at__isnull=True)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    stages_reorder(pipeline, list(reversed(open_ids)), acting_user=admin_user)
    assert not summary_fresh()
    report_summaries_task.call()
    assert summary_fresh()
    assert_all_same([admin_user, rep], [{}], monkeypatch)


def test_the_reports_read_the_summary_when_it_is_fresh(rep, admin_user):
    deal = history_deal(
        rep,
        [("Prospecting", "2025-01-02"), ("Needs assessment", "2025-01-04"),
         ("Prospecting", "2025-01-06")],
    )  # fmt: skip
    funnel = report_run(report_get("funnel"), admin_user, {})
    assert {r["stage"]: r["reached"] for r in funnel.rows}["Needs assessment"] == 1
    # Tampered summary rows show in the reports: they are what the reports read.
    DealHistoryFacts.objects.filter(deal=deal).update(reached_bits=0)
    tampered = DealStageDetour.objects.filter(deal=deal).update(backward_moves=7)
    funnel = report_run(report_get("funnel"), admin_user, {})
    assert {r["stage"]: r["reached"] for r in funnel.rows}.get("Needs assessment", 0) == 0
    detours = report_run(report_get("detours"), admin_user, {"by": "owner"})
    assert detours.summary["backward_moves"] == 7 * tampered
    # A period of stage moves is not a whole history: the funnel reads the changes then.
    activity = report_run(
        report_get("funnel"), admin_user, {"mode": "activity", "from": "2025-01-01"}
    )
    assert {r["stage"]: r["reached"] for r in activity.rows}["Needs assessment"] == 1
    # The command puts the rows right again.
    call_command("report_summaries", verbosity=0)
    funnel = report_run(report_get("funnel"), admin_user, {})
    assert {r["stage"]: r["reached"] for r in funnel.rows}["Needs assessment"] == 1
    assert report_run(report_get("detours"), admin_user, {}).summary["backward_moves"] == 1


def facts_of(deal: Deal) -> tuple[set[str], set[str]]:
    """The stages the summary says the deal reached and moved on from."""
    row = DealHistoryFacts.objects.get(deal=deal)
    names = {bit: name for name, bit in _bits_by_name(deal.pipeline).items()}
    reached = {names[b] for b in names if row.reached_bits >> b & 1}
    advanced = {names[b] for b in names if row.advanced_bits >> b & 1}
    return reached, advanced


def _bits_by_name(pipeline: Pipeline) -> dict[str, int]:
    names = dict(pipeline.stages.values_list("pk", "name"))
    return {names[pk]: bit for pk, bit in stage_bits(pipeline.pk).items()}


def detours_of(deal: Deal) -> dict[str, int]:
    rows = DealStageDetour.objects.filter(deal=deal)
    return {
        "backward_moves": sum(r.backward_moves for r in rows),
        "reopened": sum(r.reopened for r in rows),
        "skipped_stages": sum(r.skipped_stages for r in rows),
    }


def test_creating_and_moving_a_deal_update_its_summary(rep, admin_user):
    deal = deal_create(acting_user=rep, name="Fresh", account=AccountFactory(owner=rep))
    assert facts_of(deal) == ({"Prospecting"}, set())
    deal_move(deal, to_stage=stage_named("Needs assessment"), acting_user=admin_user,
              override_reason="test")  # fmt: skip
    assert facts_of(deal) == ({"Prospecting", "Needs assessment"}, {"Prospecting"})
    assert detours_of(deal)["skipped_stages"] == 1  # Qualification
    deal_move(deal, to_stage=stage_named("Prospecting"), acting_user=rep)
    assert detours_of(deal)["backward_moves"] == 1


def test_closing_and_reopening_update_the_summary(rep, admin_user):
    deal = history_deal(rep, [("Prospecting", "2025-01-02"), ("Qualification", "2025-01-03")])
    deal_close(deal, outcome=Outcome.WON, acting_user=admin_user, override_reason="test")
    _, advanced = facts_of(deal)
    assert "Qualification" in advanced
    deal.refresh_from_db()
    deal_reopen(deal, acting_user=admin_user, to_stage=stage_named("Prospecting"))
    assert detours_of(deal)["reopened"] == 1


def test_the_bulk_writer_of_imports_writes_every_deals_summary(rep):
    pipeline = default_pipeline()
    prospecting, closing = stage_named("Prospecting"), stage_named("Closing")
    histories = [
        DealHistory(
            deal=Deal(name=f"Imported {n}", owner=rep, pipeline=pipeline, currency="EUR"),
            path=[(prospecting, at("2025-01-02"), rep), (closing, at("2025-01-09"), rep)],
        )
        for n in range(3)
    ]
    deals = deals_create_with_history(histories)
    for deal in deals:
        assert facts_of(deal) == ({"Prospecting", "Closing"}, {"Prospecting"})
        assert detours_of(deal)["skipped_stages"] >= 1


def test_the_refresh_reads_the_history_by_deal_ids_not_through_the_deals_table(rep):
    """The writers' refresh names its deals by value. Inside an import's transaction
    PostgreSQL plans with the statistics of tables that were empty (a fresh install, or rows
    since deleted: a test database), and a join to the deals then scanned the stage history
    once per deal: 344 s for 500 deals of a 10,000-deal import, 0.17 s by value."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pipeline = default_pipeline()
    prospecting, closing = stage_named("Prospecting"), stage_named("Closing")
    histories = [
        DealHistory(
            deal=Deal(name=f"Imported {n}", owner=rep, pipeline=pipeline, currency="EUR"),
            path=[(prospecting, at("2025-01-02"), rep), (closing, at("2025-01-09"), rep)],
        )
        for n in range(2)
    ]
    with CaptureQueriesContext(connection) as queries:
        deals = deals_create_with_history(histories)
    writes = [q["sql"] for q in queries.captured_queries if "INSERT INTO analytics_" in q["sql"]]
    assert len(writes) == 2  # the funnel facts and the detours, for both deals at once
    for sql in writes:
        assert "pipeline_deal" not in sql
        assert all(str(deal.pk) in sql for deal in deals)
    assert [facts_of(deal) for deal in deals] == [({"Prospecting", "Closing"}, {"Prospecting"})] * 2


def test_deleting_a_deal_deletes_its_summary_and_erasure_keeps_it(rep, admin_user):
    deal = history_deal(
        rep,
        [("Prospecting", "2025-01-02"), ("Qualification", "2025-01-03"),
         ("Prospecting", "2025-01-04")],
    )  # fmt: skip
    assert DealStageDetour.objects.filter(deal=deal).exists()
    deal_delete(deal, acting_user=rep)
    assert not DealHistoryFacts.objects.filter(deal_id=deal.pk).exists()
    assert not DealStageDetour.objects.filter(deal_id=deal.pk).exists()
    assert report_run(report_get("detours"), admin_user, {}).summary["backward_moves"] == 0


def test_erasing_a_person_leaves_the_figures_as_they_were(rep, admin_user, monkeypatch):
    from salesflow.privacy.services import person_erase
    from tests.factories import ContactFactory

    contact = ContactFactory(owner=rep)
    deal = history_deal(
        rep,
        [("Prospecting", "2025-01-02"), ("Qualification", "2025-01-03"),
         ("Prospecting", "2025-01-04")],
        primary_contact=contact,
        account=contact.account,
    )  # fmt: skip
    before = list(DealStageDetour.objects.filter(deal=deal).values())
    person_erase(contact, acting_user=admin_user)
    assert list(DealStageDetour.objects.filter(deal=deal).values()) == before
    assert_all_same([admin_user], [{}], monkeypatch)


def test_a_refresh_replaces_rows_and_a_new_pipeline_is_stale_until_built(rep, admin_user):
    deal = history_deal(rep, [("Prospecting", "2025-01-02"), ("Closing", "2025-01-03")])
    deal_summaries_refresh([deal.pk, deal.pk])
    assert DealHistoryFacts.objects.filter(deal=deal).count() == 1
    pipeline = pipeline_create(name="Partners", stages=["Met", "Agreed"], acting_user=admin_user)
    assert summary_fresh([default_pipeline()]) and not summary_fresh([pipeline])
    assert not ReportSummaryState.objects.filter(pipeline=pipeline).exists()
    call_command("report_summaries", "--stale", verbosity=0)
    assert summary_fresh()


def test_the_worker_rebuilds_stale_summaries_every_hour():
    """The stale-pipeline rebuild is on the worker's schedule (hourly), so a reordered
    pipeline's reports come back to the summary without anyone running the command."""
    from django.conf import settings

    from salesflow.core.management.commands.worker import schedule_enqueue

    assert ("salesflow.analytics.tasks.report_summaries_task", 1) in (
        settings.SALESFLOW_WORKER_SCHEDULE
    )
    assert "salesflow.analytics.tasks.report_summaries_task" in schedule_enqueue()
