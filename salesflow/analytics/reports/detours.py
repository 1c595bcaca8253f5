"""Detours: deals that did not go straight through the pipeline, and the days it cost.

Every detour is an *event* found by SQL over the deals' stage history (see
`velocity.history_sql`): a backward move, a reopening, a stage skipped, a stage entered more
than once, and the days spent catching up after falling back. The same events are summed per
deal, stage, owner or pipeline.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from salesflow.analytics.filters import BY_CREATED, ReportFilters, deals_reported
from salesflow.analytics.models import DealStageDetour
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.analytics.reports.velocity import STAY_COUNTED, days_round, history_sql
from salesflow.analytics.summary import summary_fresh
from salesflow.core.dbrouter import read_connection
from salesflow.pipeline.models import Deal, Pipeline, Stage, StageChange
from salesflow.users.models import User

FIGURES = ("backward_moves", "reopened", "skipped_stages", "repeated_stages", "extra_days")
# The column each grouping sums by; an event's stage is where it happened (see the notes).
GROUP_KEYS = {
    "deal": "e.deal_id",
    "stage": "e.stage_id",
    "owner": "d.owner_id",
    "pipeline": "d.pipeline_id",
}
CLOSED = "('won', 'upgraded', 'lost', 'suspended')"


def _events_sql(history: str) -> str:
    """SQL of the detour events: (deal_id, stage_id, one figure set, the others 0).

    The last figure, `left_out`, marks the stays that would add extra days but start or end at
    an estimated moment: they are counted, never summed into the figures, and a deal or group
    with nothing else is no detour."""
    stage = Stage._meta.db_table
    extra = f"{STAY_COUNTED} AND s.position < s.furthest_before"
    return f"""
        WITH h AS ({history}),
        events AS (
            SELECT deal_id, from_stage_id AS stage_id, 1 AS backward_moves, 0 AS reopened,
                   0 AS skipped_stages, 0 AS repeated_stages, 0.0 AS extra_days, 0 AS left_out
            FROM h WHERE h.is_backward AND h.from_outcome = 'open'
            UNION ALL
            SELECT deal_id, stage_id, 0, 1, 0, 0, 0.0, 0
            FROM h WHERE h.from_outcome IN {CLOSED} AND h.to_outcome = 'open'
            UNION ALL
            SELECT h.deal_id, skipped.id, 0, 0, 1, 0, 0.0, 0
            FROM h JOIN {stage} skipped
              ON skipped.pipeline_id = h.pipeline_id AND skipped.kind = 'open'
             AND skipped.archived_at IS NULL
             AND skipped.position > h.from_position AND skipped.position < h.position
            WHERE h.from_outcome = 'open' AND h.stage_kind <> 'lost'
            UNION ALL
            SELECT deal_id, stage_id, 0, 0, 0, 1, 0.0, 0
            FROM h
            WHERE h.stage_kind = 'open'
              AND (h.from_stage_id IS NULL OR h.from_stage_id <> h.stage_id)
            GROUP BY deal_id, stage_id HAVING COUNT(*) >= 2
            UNION ALL
            SELECT deal_id, stage_id, 0, 0, 0, 0, s.days, 0
            FROM h s WHERE {extra} AND s.is_estimated = 0
            UNION ALL
            SELECT deal_id, stage_id, 0, 0, 0, 0, 0.0, 1
            FROM h s WHERE {extra} AND s.is_estimated = 1
        )
    """  # noqa: S608 - table names and fixed SQL; values are parameters


# The deal list shows the deals whose detours cost most, not every deal of a large history.
DEAL_ROWS = 500


def detours_figures(
    deals: QuerySet, by: str | None, *, limit: int | None = None, summary: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The detour figures of `deals` summed per group (`by` a GROUP_KEYS key; `limit`: only
    the groups with the most extra days), and in total with `estimated_left_out` (the stays
    that would add extra days but start or end at an estimated moment).

    One statement: the deals' history is read and windowed once, its events found once, and
    both the groups and the totals summed from them. With `summary` (only when it is fresh
    for the deals' pipelines, `summary.summary_fresh`), the events come summed per deal and
    stage from `DealStageDetour` instead, joined to the deals counted."""
    sums = ", ".join(f"SUM(e.{name}) AS {name}" for name in FIGURES)
    if summary:
        scope, scope_params = (
            deals.values("pk", "owner_id", "pipeline_id").order_by().query.sql_with_params()
        )
        params = list(scope_params)
        source = f"{DealStageDetour._meta.db_table} e JOIN ({scope}) d ON d.pk = e.deal_id"
        if not deals.query.where and not GROUP_KEYS.get(by or "deal", "").startswith("d."):
            # Every deal counts (an admin, no filter): the rows are those of every deal (a
            # deal's rows go with it), so they are read alone, by stage from their index.
            source, params = f"{DealStageDetour._meta.db_table} e", []
        prefix = ""
        counted = "e.events > 0"
        has_event = "SUM(e.events) > 0"
    else:
        history, params = history_sql(deals)
        source = "events e"
        prefix = _events_sql(history)
        counted = "e.left_out = 0"
        has_event = "SUM(e.left_out) < COUNT(*)"
    deals_counted = f"COUNT(DISTINCT CASE WHEN {counted} THEN e.deal_id END) AS deals"
    total = f"""
        SELECT NULL AS group_key, {deals_counted}, {sums}, SUM(e.left_out) AS left_out,
               1 AS is_total
        FROM {source}
    """  # noqa: S608 - fixed SQL
    if by is None:
        body = total
    else:
        key = GROUP_KEYS[by]
        # Only the deal's own columns need the deal row.
        join = ""
        if key.startswith("d.") and not summary:
            join = f"JOIN {Deal._meta.db_table} d ON d.id = e.deal_id"
        grouped = f"""
            SELECT {key} AS group_key, {deals_counted}, {sums}, SUM(e.left_out) AS left_out,
                   0 AS is_total
            FROM {source} {join}
            GROUP BY {key} HAVING {has_event}
        """  # noqa: S608 - table names and fixed SQL
        if limit is not None:
            grouped += (
                f" ORDER BY extra_days DESC, backward_moves DESC, group_key LIMIT {int(limit)}"
            )
        body = f"SELECT * FROM ({grouped}) g UNION ALL {total}"  # noqa: S608 - fixed SQL
        if summary:  # the deals' scope appears twice: in the groups and in the total
            params = params * 2
    with read_connection(StageChange).cursor() as cursor:  # the replica in a report
        cursor.execute(prefix + body, params)
        names = [column[0] for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        for name in (*FIGURES[:-1], "left_out"):
            row[name] = int(row[name] or 0)
        row["extra_days"] = days_round(row["extra_days"] or 0)
    rows = [row for row in found if not row["is_total"]]
    (totals,) = [row for row in found if row["is_total"]]
    totals["estimated_left_out"] = totals.pop("left_out")
    for row in [*rows, totals]:
        del row["is_total"]
    for row in rows:
        del row["left_out"]
    return rows, totals


def detours(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    by = options["by"]
    deals = deals_reported(viewer, filters, by=BY_CREATED)
    fresh = summary_fresh([filters.pipeline] if filters.pipeline else None)
    found, totals = detours_figures(
        deals, by, limit=DEAL_ROWS if by == "deal" else None, summary=fresh
    )
    labels = _labels(by, {row["group_key"] for row in found})
    rows = []
    for row in found:
        key = row.pop("group_key")
        if by == "deal":
            deal = labels.get(key, {})
            rows.append(
                {
                    "deal_id": key,
                    "deal": deal.get("name", f"Deal {key}"),
                    "deal_url": reverse("pipeline:deal-detail", args=[key]),
                    "owner": deal.get("owner", ""),
                    **row,
                }
            )
        else:
            rows.append({"key": key, "label": labels.get(key, "Nobody"), **row})
    if by == "deal":
        rows.sort(key=lambda r: (-r["extra_days"], -r["backward_moves"], r["deal_id"]))
    else:
        rows.sort(key=lambda r: (-r["extra_days"], -r["deals"], str(r["label"])))
    # The totals come back as one row, even when there is no detour at all.
    summary = {
        "deals_with_detours": totals["deals"],
        **{name: totals[name] for name in FIGURES},
        "estimated_left_out": totals["estimated_left_out"],
    }
    first = (
        [Column("deal", "Deal"), Column("owner", "Rep")]
        if by == "deal"
        else [Column("label", dict(BY_CHOICES)[by]), Column("deals", "Deals", "int")]
    )
    return Report(
        title="Detours",
        columns=[
            *first,
            Column("backward_moves", "Backward moves", "int"),
            Column("reopened", "Reopened", "int"),
            Column("skipped_stages", "Stages skipped", "int"),
            Column("repeated_stages", "Stages repeated", "int"),
            Column("extra_days", "Extra days", "days"),
        ],
        rows=rows,
        filters=filters,
        summary=summary,
        summary_labels={
            "deals_with_detours": "Deals with detours",
            "backward_moves": "Backward moves",
            "reopened": "Reopenings",
            "skipped_stages": "Stages skipped",
            "repeated_stages": "Stages repeated",
            "extra_days": "Extra days",
            "estimated_left_out": "Stays left out (estimated moments)",
        },
        chart=None if by == "deal" else Chart("bar", "label", ["extra_days"]),
        notes=[
            "Deals created in the period, with their whole history; only deals with a detour "
            "are listed"
            + (
                f", the {DEAL_ROWS} that cost most extra days of {totals['deals']:,} (the totals "
                "count them all)."
                if by == "deal" and totals["deals"] > DEAL_ROWS
                else "."
            ),
            "Backward move: a move of an open deal to an earlier stage (counted at the stage it "
            "left). Reopened: a won, lost or suspended deal made open again (counted at the "
            "stage it reopened in). Stage skipped: each open stage a forward move jumped over, "
            "into an open stage or Won (losing a deal skips nothing). Stage repeated: an open "
            "stage the deal entered two or more times (counted once per deal and stage).",
            "Extra days: the days of each stay in a stage before the furthest stage the deal "
            "had already reached (Lost aside), i.e. the time spent catching up after a "
            "backward move or a reopening, until the deal gets back to where it had been. Only "
            "finished stays of an open deal count (not time closed or suspended), counted at "
            "the stage of the stay. Stays with an estimated start or end are left out: "
            f"{summary['estimated_left_out']} this time.",
        ],
    )


def _labels(by: str, keys: set[Any]) -> dict[Any, Any]:
    ids = [key for key in keys if key is not None]
    if by == "deal":
        deals = Deal.objects.filter(pk__in=ids).select_related("owner")
        return {
            deal.pk: {
                "name": deal.name,
                "owner": (deal.owner.get_full_name() or deal.owner.username) if deal.owner else "",
            }
            for deal in deals
        }
    if by == "stage":
        stages = Stage.objects.filter(pk__in=ids).select_related("pipeline")
        several = len({stage.pipeline_id for stage in stages}) > 1
        return {
            stage.pk: f"{stage.pipeline.name}: {stage.name}" if several else stage.name
            for stage in stages
        }
    if by == "pipeline":
        return dict(Pipeline.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=ids)
    }


BY_CHOICES = [("deal", "Deal"), ("stage", "Stage"), ("owner", "Rep"), ("pipeline", "Pipeline")]

SPEC = report_register(
    ReportSpec(
        slug="detours",
        title="Detours",
        description="Deals that went backwards, were reopened, skipped or repeated stages, and "
        "the days it cost.",
        build=detours,
        options=[Option("by", "Show", BY_CHOICES, "deal")],
        period_means="created",
        position=30,
    )
)
