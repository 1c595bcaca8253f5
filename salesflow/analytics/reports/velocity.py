"""Velocity: how long deals stay in each stage, and how long they take from creation to close.

A *stay* runs from a StageChange that puts the deal into a stage to the deal's next StageChange
(SQL's LEAD() over the deal's history). Stays are measured by the database; averages and
medians too (the median with ROW_NUMBER() and COUNT() windows, so SQLite and PostgreSQL give
the same answer). The stay helpers here are shared with the detours report.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from salesflow.analytics.figures import DaysBetween
from salesflow.analytics.filters import BY_CLOSED, ReportFilters, deals_reported
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.core.dbrouter import read_connection
from salesflow.pipeline.models import WON_OUTCOMES, Outcome, Pipeline, Stage, StageChange, StageKind
from salesflow.pipeline.selectors import pipeline_default


def days_sql(end: str, start: str) -> str:
    """(end - start) in days as SQL, as `figures.DaysBetween` computes it for the ORM."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"
    return f"(julianday({end}) - julianday({start}))"


def deals_scope(deals: QuerySet | list[int]) -> tuple[str, tuple[Any, ...] | list[Any]]:
    """What `sc.deal_id IN (...)` reads: the deals' query, or a list of deal ids given as
    values. The summary's refresh (`analytics.summary`) passes ids: inside a writer's
    transaction PostgreSQL may plan with statistics of tables that were empty, and a join to
    the deals then scans the stage history once per deal."""
    if isinstance(deals, list):
        return ", ".join(["%s"] * len(deals)), list(deals)
    return deals.values("pk").order_by().query.sql_with_params()


def history_sql(deals: QuerySet | list[int], *, positions: bool = True) -> tuple[str, list[Any]]:
    """SQL giving one row per StageChange of `deals`, with the stay it starts.

    Columns: deal_id, change_id, stage_id, position (of the stage entered), stage_kind,
    pipeline_id, from_stage_id, from_position, from_outcome, to_outcome, is_backward,
    started_at, days (the stay's length, NULL while it lasts), is_estimated (the stay's start
    or end moment is estimated), furthest_before (the highest position of a stage other than
    Lost the deal had entered before this change, NULL for its first).

    `positions=False` leaves out from_position and furthest_before (NULL), which only the
    detours need: one window pass and one join less over the whole history.

    The changes are read in the order of the index `stagechange_report_idx` (deal, moment,
    and the columns read here), so the windows need no sort and no table row is read.
    """
    scope, params = deals_scope(deals)
    change, stage = StageChange._meta.db_table, Stage._meta.db_table
    order = "PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id"
    if positions:
        from_position = "fs.position"
        furthest = f"""MAX(CASE WHEN st.kind <> 'lost' THEN st.position END) OVER (
                       {order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   )"""
        join = f"LEFT JOIN {stage} fs ON fs.id = sc.from_stage_id"
    else:
        from_position = furthest = "NULL"
        join = ""
    sql = f"""
        SELECT h.*, {days_sql("h.ended_at", "h.started_at")} AS days,
               CASE WHEN h.start_estimated OR h.end_estimated THEN 1 ELSE 0 END AS is_estimated
        FROM (
            SELECT sc.deal_id, sc.id AS change_id, sc.to_stage_id AS stage_id,
                   st.position, st.kind AS stage_kind, st.pipeline_id,
                   sc.from_stage_id, {from_position} AS from_position,
                   sc.from_outcome, sc.to_outcome, sc.is_backward,
                   sc.changed_at AS started_at,
                   sc.is_estimated AS start_estimated,
                   LEAD(sc.changed_at) OVER ({order}) AS ended_at,
                   LEAD(sc.is_estimated) OVER ({order}) AS end_estimated,
                   {furthest} AS furthest_before
            FROM {change} sc
            JOIN {stage} st ON st.id = sc.to_stage_id
            {join}
            WHERE sc.deal_id IN ({scope})
        ) h
    """  # noqa: S608 - table names and fixed SQL; values are parameters
    return sql, list(params)


# A stay that counts: it ended, and the deal was open while in it (not won, lost or suspended).
STAY_COUNTED = "s.days IS NOT NULL AND s.to_outcome = 'open'"


def avg_median(
    source: str, params: list[Any], groups: list[str]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Count, average and median of `days` per group of the rows `source` selects.

    The median is the middle value (the mean of the two middle ones for an even count),
    found by numbering each group's values in order: the same SQL on SQLite and PostgreSQL.
    """
    cols = ", ".join(groups)
    sql = f"""
        SELECT {cols}, COUNT(*) AS n, AVG(days) AS avg_days,
               AVG(CASE WHEN rn IN ((n_all + 1) / 2, (n_all + 2) / 2) THEN days END) AS median_days
        FROM (
            SELECT {cols}, days,
                   ROW_NUMBER() OVER (PARTITION BY {cols} ORDER BY days) AS rn,
                   COUNT(*) OVER (PARTITION BY {cols}) AS n_all
            FROM ({source}) src
        ) ranked
        GROUP BY {cols}
    """  # noqa: S608 - table names and fixed SQL; values are parameters
    with read_connection(StageChange).cursor() as cursor:  # the replica in a report
        cursor.execute(sql, params)
        found = cursor.fetchall()
    width = len(groups)
    return {
        tuple(row[:width]): {
            "n": row[width],
            "avg_days": days_round(row[width + 1]),
            "median_days": days_round(row[width + 2]),
        }
        for row in found
    }


def days_round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def stages_shown(pipelines: list[Pipeline], seen: set[int]) -> list[Stage]:
    """The open stages of the pipelines in order, and any removed stage that has figures."""
    stages = Stage.objects.filter(pipeline__in=pipelines, kind=StageKind.OPEN).select_related(
        "pipeline"
    )
    return [
        stage
        for stage in stages.order_by("-pipeline__is_default", "pipeline__name", "position")
        if stage.archived_at is None or stage.pk in seen
    ]


def velocity(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    closed = deals_reported(viewer, filters, by=BY_CLOSED).exclude(outcome=Outcome.OPEN)
    # One query: the cycles of the won and lost deals whose ends were given (cls "won" or
    # "lost", estimated 0), and the closed deals left out for an estimated end (estimated 1).
    cycles_all = avg_median(*_cycle_source_all(closed), ["cls", "estimated"])
    summary: dict[str, Any] = {
        "cycles_estimated_left_out": sum(
            figures["n"] for (_, estimated), figures in cycles_all.items() if estimated
        ),
    }
    for cls, prefix in (("won", ""), ("lost", "lost_")):
        figures = cycles_all.get((cls, 0), {})
        summary[cls] = figures.get("n", 0)
        summary[f"{prefix}cycle_days_avg"] = figures.get("avg_days")
        summary[f"{prefix}cycle_days_median"] = figures.get("median_days")

    # One pass over the history: the stays measured per stage (is_estimated 0) and those left
    # out for an estimated start or end (is_estimated 1).
    history, params = history_sql(closed, positions=False)
    counted = (
        f"SELECT s.stage_id, s.is_estimated, s.days FROM ({history}) s "  # noqa: S608
        f"WHERE {STAY_COUNTED}"
    )
    all_stays = avg_median(counted, params, ["stage_id", "is_estimated"])
    stays = {(stage,): figures for (stage, est), figures in all_stays.items() if not est}
    summary["stays"] = sum(figures["n"] for figures in stays.values())
    summary["estimated_left_out"] = sum(
        figures["n"] for (_, est), figures in all_stays.items() if est
    )

    if options["view"] == "trend":
        rows = _trend_rows(_cycles(closed))
        columns = [
            Column("month", "Month closed"),
            Column("won", "Won", "int"),
            Column("cycle_days_avg", "Days to win (avg)", "days"),
            Column("cycle_days_median", "Days to win (median)", "days"),
            Column("lost", "Lost", "int"),
            Column("lost_cycle_days_avg", "Days to lose (avg)", "days"),
            Column("lost_cycle_days_median", "Days to lose (median)", "days"),
        ]
        chart = Chart("line", "month", ["cycle_days_avg", "cycle_days_median"])
    else:
        rows = _stage_rows(closed, filters, stays)
        columns = [
            Column("stage", "Stage"),
            Column("pipeline", "Pipeline"),
            Column("stays", "Stays", "int"),
            Column("avg_days", "Days in stage (avg)", "days"),
            Column("median_days", "Days in stage (median)", "days"),
        ]
        chart = Chart("bar", "stage", ["avg_days", "median_days"])
    return Report(
        title="Velocity",
        columns=columns,
        rows=rows,
        filters=filters,
        summary=summary,
        summary_labels={
            "won": "Won deals",
            "lost": "Lost deals",
            "cycle_days_avg": "Days to win (average)",
            "cycle_days_median": "Days to win (median)",
            "lost_cycle_days_avg": "Days to lose (average)",
            "lost_cycle_days_median": "Days to lose (median)",
            "stays": "Stage stays measured",
            "estimated_left_out": "Stays left out (estimated moments)",
        },
        chart=chart,
        notes=[
            "Deals closed in the period (won, upgraded, lost or suspended). Open deals are left "
            "out: their stays count once they close, so a period's figures do not move while "
            "deals are still being worked.",
            "A stay runs from the move into a stage to the deal's next move; time spent closed "
            "or suspended is not a stay. Each stay counts separately, so a deal that came back "
            "to a stage has two stays in it.",
            f"Stays that start or end at an estimated moment (imports without a date for a "
            f"stage) are left out: {summary['estimated_left_out']} this time. Days to win and "
            f"to lose leave out deals whose creation or close was estimated: "
            f"{summary['cycles_estimated_left_out']} this time.",
            "Days to win and to lose run from the deal's creation to its closing; suspended "
            "deals count for stays only. The median of an even number of values is the mean "
            "of the two middle ones.",
        ],
    )


def _estimated_ends() -> Exists:
    """Whether a deal's creation or close moment is one an import had to estimate."""
    return Exists(
        StageChange.objects.filter(deal=OuterRef("pk"), is_estimated=True).filter(
            Q(from_stage__isnull=True) | ~Q(to_outcome=Outcome.OPEN)
        )
    )


def cycles_dated(closed: QuerySet) -> QuerySet:
    """The closed deals whose cycle (created to closed) rests on moments the file gave."""
    return closed.exclude(_estimated_ends())


def _cycle_source(closed: QuerySet) -> tuple[str, list[Any]]:
    """SQL of (cls, month, days) for every won or lost deal: created -> closed."""
    deals = (
        cycles_dated(closed)
        .filter(outcome__in=[*WON_OUTCOMES, Outcome.LOST])
        .annotate(
            cls=Case(When(outcome__in=WON_OUTCOMES, then=Value("won")), default=Value("lost")),
            month=TruncMonth("closed_on"),
            days=DaysBetween(F("closed_at"), F("created_at")),
        )
        .order_by()
    )
    sql, params = deals.values("cls", "month", "days").query.sql_with_params()
    return sql, list(params)


def _cycle_source_all(closed: QuerySet) -> tuple[str, list[Any]]:
    """SQL of (cls, estimated, days) for every closed deal: cls "won", "lost" or "other"
    (suspended), estimated 1 when its creation or close moment is estimated."""
    deals = (
        closed.annotate(
            cls=Case(
                When(outcome__in=WON_OUTCOMES, then=Value("won")),
                When(outcome=Outcome.LOST, then=Value("lost")),
                default=Value("other"),
            ),
            estimated=Case(When(_estimated_ends(), then=Value(1)), default=Value(0)),
            days=DaysBetween(F("closed_at"), F("created_at")),
        )
        .order_by()
        .values("cls", "estimated", "days")
    )
    sql, params = deals.query.sql_with_params()
    return sql, list(params)


def _cycles(closed: QuerySet) -> dict[tuple[Any, ...], dict[str, Any]]:
    """{(month "YYYY-MM", "won"/"lost"): figures}."""
    by_month = avg_median(*_cycle_source(closed), ["month", "cls"])
    return {(str(month)[:7], cls): figures for (month, cls), figures in by_month.items()}


def _trend_rows(cycles: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for month in sorted({month for month, _ in cycles}):
        won, lost = cycles.get((month, "won"), {}), cycles.get((month, "lost"), {})
        rows.append(
            {
                "month": month,
                "won": won.get("n", 0),
                "cycle_days_avg": won.get("avg_days"),
                "cycle_days_median": won.get("median_days"),
                "lost": lost.get("n", 0),
                "lost_cycle_days_avg": lost.get("avg_days"),
                "lost_cycle_days_median": lost.get("median_days"),
            }
        )
    return rows


def _stage_rows(
    closed: QuerySet, filters: ReportFilters, stays: dict[tuple[Any, ...], dict[str, Any]]
) -> list[dict[str, Any]]:
    if filters.pipeline is not None:
        pipelines = [filters.pipeline]
    else:
        ids = closed.values("pipeline").distinct().order_by()
        pipelines = list(Pipeline.objects.filter(pk__in=ids)) or [pipeline_default()]
    rows = []
    for stage in stages_shown(pipelines, {key[0] for key in stays}):
        figures = stays.get((stage.pk,), {})
        rows.append(
            {
                "stage_id": stage.pk,
                "stage": stage.name,
                "pipeline": stage.pipeline.name,
                "stays": figures.get("n", 0),
                "avg_days": figures.get("avg_days"),
                "median_days": figures.get("median_days"),
            }
        )
    return rows


SPEC = report_register(
    ReportSpec(
        slug="velocity",
        title="Velocity",
        description="How long deals stay in each stage, and how long they take to be won or "
        "lost, by the month they closed.",
        build=velocity,
        options=[
            Option(
                "view", "Show", [("stages", "Days per stage"), ("trend", "Monthly trend")], "stages"
            )
        ],
        period_means="closed",
        position=20,
    )
)
