"""The deal funnel: how many deals reached each stage of a pipeline, moved on, and were won;
and the cohorts of deals by the month they were created."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Q, QuerySet, When
from django.db.models.functions import TruncMonth

from salesflow.analytics.figures import rate
from salesflow.analytics.filters import (
    BY_CREATED,
    ReportFilters,
    day_start,
    deals_reported,
)
from salesflow.analytics.models import DealHistoryFacts
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.analytics.summary import summary_stage_bits
from salesflow.core.dbrouter import read_connection
from salesflow.pipeline.models import WON_OUTCOMES, Outcome, Pipeline, Stage, StageChange, StageKind
from salesflow.pipeline.selectors import pipeline_default

ACTIVITY = "activity"


def funnel(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    pipeline = filters.pipeline or pipeline_default()
    if options["view"] == "cohorts":
        return _cohorts(viewer, filters, pipeline)
    activity = options["mode"] == ACTIVITY
    counts = {row["to_stage"]: row for row in _stage_counts(viewer, filters, pipeline, activity)}
    stages = [
        stage
        for stage in pipeline.stages.exclude(kind=StageKind.LOST).order_by("position")
        if stage.archived_at is None or stage.pk in counts
    ]
    rows = []
    for index, stage in enumerate(stages):
        row = counts.get(stage.pk, {})
        reached, won = row.get("reached", 0), row.get("won", 0)
        following = stages[index + 1] if index + 1 < len(stages) else None
        reached_next = counts.get(following.pk, {}).get("reached", 0) if following else None
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": stage.name,
                "reached": reached,
                "advanced": row.get("advanced", 0),
                "won": won,
                "conversion_to_next": None if following is None else rate(reached_next, reached),
                "conversion_to_won": rate(won, reached),
            }
        )
    if activity:
        summary: dict[str, Any] = {"pipeline": pipeline.name}
        period = "Counts moves into each stage made in the period (stage entries), whenever "
        period += "the deal was created; moving on and winning count only when they too "
        period += "happened in the period."
    else:
        totals = _cohort_deals(viewer, filters, pipeline).aggregate(
            deals=Count("pk"),
            won=Count("pk", filter=Q(outcome__in=WON_OUTCOMES)),
            lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
        )
        summary = {
            "pipeline": pipeline.name,
            "deals": totals["deals"],
            "won": totals["won"],
            "lost": totals["lost"],
            "win_rate": rate(totals["won"], totals["won"] + totals["lost"]),
        }
        period = "Counts the deals created in the period (a cohort), whatever they did since."
    return Report(
        title="Funnel",
        columns=[
            Column("stage", "Stage"),
            Column("reached", "Reached", "int"),
            Column("advanced", "Moved on", "int"),
            Column("won", "Won from it", "int"),
            Column("conversion_to_next", "To next stage", "rate"),
            Column("conversion_to_won", "To won", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary=summary,
        summary_labels={"deals": "Deals created", "won": "Won", "lost": "Lost"},
        chart=Chart("bar", "stage", ["reached", "won"]),
        notes=[
            f"Pipeline: {pipeline.name}"
            + (" (the pipeline filter)." if filters.pipeline else " (the default pipeline)."),
            period,
            "Reached: deals moved into the stage, or created in it. Moved on: deals that "
            "afterwards went into a later stage (by position) other than Lost. Won from it: "
            "deals that reached it and are won (or upgraded). To next stage is reached next / "
            "reached this; it can pass 100% when deals skip this stage. To won is won / reached. "
            "A stage nobody reached has no rate (—). The Lost stage is left out. Amounts play "
            "no part: a deal without an amount counts like any other.",
        ],
    )


def _stage_counts(
    viewer: Any, filters: ReportFilters, pipeline: Pipeline, activity: bool
) -> list[dict[str, Any]]:
    """One row per stage: reached, advanced, won (distinct deals), in one grouped query.

    A deal moved on from an entry when a later change of it (by moment, then id) went into a
    stage further on (by position) other than Lost: the furthest such position is found for
    every change in one window pass over each deal's history, read in the order of the index
    `stagechange_report_idx` (deal, moment, id), instead of looking for a later change once
    per entry. A suspension or its resumption keeps the deal in its stage: no entry."""
    if activity:
        deals = deals_reported(viewer, filters, by=None).filter(pipeline=pipeline)
        won = deals.filter(outcome__in=WON_OUTCOMES).filter(_days_q("closed_on", filters))
    else:
        deals = _cohort_deals(viewer, filters, pipeline)
        won = deals.filter(outcome__in=WON_OUTCOMES)
    dated = filters.date_from is not None or filters.date_to is not None
    bits = None if activity and dated else summary_stage_bits(pipeline)
    if bits is not None:
        # Without a period of stage moves, the figures are sums over each deal's whole
        # history: read from the summary the history writers keep (analytics.summary).
        return _stage_counts_summary(deals, bits)
    scope, params = deals.values("pk").order_by().query.sql_with_params()
    won_scope, won_params = won.values("pk").order_by().query.sql_with_params()
    period, period_params = "", []
    if activity:
        # Entries, the later changes and the wins all count only inside the period: the
        # changes made from the first day's midnight to the last day's end (local time), as
        # `changed_at__date` selects them.
        if filters.date_from is not None:
            period += " AND sc.changed_at >= %s"
            period_params.append(_midnight(filters.date_from))
        if filters.date_to is not None:
            period += " AND sc.changed_at < %s"
            period_params.append(_midnight(filters.date_to + dt.timedelta(days=1)))
    change, stage = StageChange._meta.db_table, Stage._meta.db_table
    order = "PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id"
    sql = f"""
        SELECT stage_id,
               COUNT(DISTINCT deal_id) AS reached,
               COUNT(DISTINCT CASE WHEN further > position THEN deal_id END) AS advanced,
               COUNT(DISTINCT CASE WHEN is_won = 1 THEN deal_id END) AS won
        FROM (
            SELECT sc.deal_id, sc.to_stage_id AS stage_id, st.position,
                   MAX(CASE WHEN st.kind <> 'lost' THEN st.position END) OVER (
                       {order} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
                   ) AS further,
                   CASE WHEN st.kind <> 'lost' AND (sc.from_stage_id IS NULL
                        OR sc.from_stage_id <> sc.to_stage_id) THEN 1 ELSE 0 END AS is_entry,
                   CASE WHEN sc.deal_id IN ({won_scope}) THEN 1 ELSE 0 END AS is_won
            FROM {change} sc
            JOIN {stage} st ON st.id = sc.to_stage_id
            WHERE sc.deal_id IN ({scope}){period}
        ) w
        WHERE is_entry = 1
        GROUP BY stage_id
    """  # noqa: S608 - table names and the ORM's SQL; values are parameters
    with read_connection(StageChange).cursor() as cursor:  # the replica in a report
        cursor.execute(sql, [*won_params, *params, *period_params])
        return [
            {"to_stage": stage_id, "reached": reached, "advanced": advanced, "won": won_n}
            for stage_id, reached, advanced, won_n in cursor.fetchall()
        ]


def _stage_counts_summary(deals: QuerySet, bits: dict[int, int]) -> list[dict[str, Any]]:
    """`_stage_counts` of a cohort (or of all time) from the deals' summary rows: one short
    row per deal, the stages it reached and moved on from as bits ({stage id: bit},
    `summary.stage_bits`)."""
    if not bits:
        return []
    scope, params = (
        deals.annotate(is_won=Case(When(outcome__in=WON_OUTCOMES, then=1), default=0))
        .values("pk", "is_won")
        .order_by()
        .query.sql_with_params()
    )
    # Deals with the same stages reached and moved on from are counted together: a few
    # dozen groups, whose bits are then added up per stage here.
    facts = DealHistoryFacts._meta.db_table
    sql = f"""
        SELECT f.reached_bits, f.advanced_bits, COUNT(*), SUM(d.is_won)
        FROM ({scope}) d JOIN {facts} f ON f.deal_id = d.pk
        GROUP BY f.reached_bits, f.advanced_bits
    """  # noqa: S608 - table names and the ORM's SQL; values are parameters
    with read_connection(StageChange).cursor() as cursor:  # the replica in a report
        cursor.execute(sql, params)
        groups = cursor.fetchall()
    rows = []
    for stage_id, bit in bits.items():
        reached = advanced = won = 0
        for reached_bits, advanced_bits, deals_n, won_n in groups:
            if int(reached_bits) >> bit & 1:
                reached += int(deals_n)
                won += int(won_n or 0)
            if int(advanced_bits) >> bit & 1:
                advanced += int(deals_n)
        if reached:
            rows.append(
                {"to_stage": stage_id, "reached": reached, "advanced": advanced, "won": won}
            )
    return rows


def _midnight(day: dt.date) -> Any:
    """The first moment of `day` in the current time zone, as the database compares it."""
    return connection.ops.adapt_datetimefield_value(day_start(day))


def _days_q(path: str, filters: ReportFilters) -> Q:
    q = Q()
    if filters.date_from is not None:
        q &= Q(**{f"{path}__gte": filters.date_from})
    if filters.date_to is not None:
        q &= Q(**{f"{path}__lte": filters.date_to})
    return q


def _cohort_deals(viewer: Any, filters: ReportFilters, pipeline: Pipeline) -> QuerySet:
    return deals_reported(viewer, filters, by=BY_CREATED).filter(pipeline=pipeline)


def _cohorts(viewer: Any, filters: ReportFilters, pipeline: Pipeline) -> Report:
    months = (
        _cohort_deals(viewer, filters, pipeline)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            created=Count("pk"),
            won=Count("pk", filter=Q(outcome__in=WON_OUTCOMES)),
            lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
        )
        .order_by("month")
    )
    rows = [
        {
            "month": f"{row['month']:%Y-%m}",
            "created": row["created"],
            "won": row["won"],
            "lost": row["lost"],
            "win_rate": rate(row["won"], row["won"] + row["lost"]),
        }
        for row in months
    ]
    won, lost = sum(r["won"] for r in rows), sum(r["lost"] for r in rows)
    return Report(
        title="Funnel: cohorts",
        columns=[
            Column("month", "Month created"),
            Column("created", "Created", "int"),
            Column("won", "Won", "int"),
            Column("lost", "Lost", "int"),
            Column("win_rate", "Win rate", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "pipeline": pipeline.name,
            "deals": sum(r["created"] for r in rows),
            "won": won,
            "lost": lost,
            "win_rate": rate(won, won + lost),
        },
        summary_labels={"deals": "Deals created"},
        chart=Chart("bar", "month", ["won", "lost"], stacked=True),
        notes=[
            f"Pipeline: {pipeline.name}"
            + (" (the pipeline filter)." if filters.pipeline else " (the default pipeline)."),
            "Deals created in the period, by the month they were created, with what became of "
            "them so far. Win rate is won / (won + lost); open and suspended deals are left out "
            "of it, and a month without closed deals has no rate (—).",
        ],
    )


SPEC = report_register(
    ReportSpec(
        slug="funnel",
        title="Funnel",
        description="How many deals reached each stage, moved on and were won; or the deals "
        "created each month and what became of them.",
        build=funnel,
        options=[
            Option(
                "view", "Show", [("stages", "Stages"), ("cohorts", "Monthly cohorts")], "stages"
            ),
            Option(
                "mode",
                "Count",
                [
                    ("created", "Deals created in the period"),
                    (ACTIVITY, "Stage moves in the period"),
                ],
                "created",
            ),
        ],
        period_means="created",
        position=10,
    )
)
