"""Summary data of the deal history reports, kept current by the stage-history writers.

The funnel and the detours report read every stage change of the deals they count; at a million
deals that is seconds per request (issue #10 point 5). Their figures are sums over deals of what
each deal's own history says, so they are kept per deal:

- `DealHistoryFacts`: one row per deal, the stages it *reached* and those it *moved on* from
  (the funnel's definitions), as bits: bit n stands for the pipeline's n-th stage by id
  (`stage_bits`), so a funnel is one pass over one short row per deal.
- `DealStageDetour`: per deal and stage, the detour events the detours report finds there
  (backward moves, reopenings, skipped and repeated stages, extra days, stays left out), only
  for deals with some.

Both are computed by the reports' own SQL (`funnel.FACTS_SQL`, `detours._events_sql`), limited to
the deals in question: what the summary says of a deal is what the report's SQL would say.

Who keeps them:
- every writer of StageChange rows calls `pipeline.transitions.history_changed(deal_ids)`
  (deal_create, transition_apply: moves, closes, reopenings, suspensions, stage removal;
  deals_create_with_history: imports and demo data); this app registers
  `deal_summaries_refresh` there from its AppConfig.ready(), and it recomputes those deals' rows
  in the writer's transaction;
- deleting a deal deletes its rows (foreign keys, CASCADE);
- what depends on a pipeline's stages (positions, kinds, archiving, the bits) is only right
  for the stage layout it was computed with. `ReportSummaryState` records, per pipeline, the
  layout of its last full rebuild; a report reads the summary only while the pipeline's stages
  still have that layout, and its own SQL otherwise. A reorder, an added or removed stage makes
  the pipeline stale until `report_summaries_rebuild` runs again: `salesflow report_summaries`,
  or the task `salesflow.analytics.tasks.report_summaries_task` (the worker's schedule), which
  rebuilds the stale pipelines in chunks of deals, one short transaction each.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from salesflow.analytics.models import DealHistoryFacts, DealStageDetour, ReportSummaryState
from salesflow.pipeline.models import Deal, Pipeline, Stage, StageChange

# Bits 0..62 of a signed 64-bit integer: a pipeline with more stages (archived ones included)
# is never summarised; its reports read the history.
MAX_STAGES = 63
REFRESH_BATCH = 500
REBUILD_CHUNK = 20_000


def _layouts(pipeline_ids: Iterable[int] | None = None) -> dict[int, list[tuple]]:
    stages = Stage.objects.order_by("pk").values_list(
        "pipeline_id", "pk", "position", "kind", "archived_at"
    )
    if pipeline_ids is not None:
        stages = stages.filter(pipeline_id__in=list(pipeline_ids))
    found: dict[int, list[tuple]] = {}
    for pipeline_id, pk, position, kind, archived_at in stages:
        found.setdefault(pipeline_id, []).append((pk, position, kind, archived_at is not None))
    return found


def _layout_text(stages: list[tuple]) -> str:
    return ";".join(
        f"{pk}:{position}:{kind}:{int(archived)}" for pk, position, kind, archived in stages
    )


def stage_bits(pipeline_id: int) -> dict[int, int]:
    """{stage id: bit} for a pipeline's stages, archived ones included, in the order of ids."""
    ids = Stage.objects.filter(pipeline_id=pipeline_id).order_by("pk").values_list("pk", flat=True)
    return {pk: bit for bit, pk in enumerate(ids) if bit < MAX_STAGES}


def _fresh_layouts(pipelines: Iterable[Pipeline] | None) -> tuple[bool, dict[int, list[tuple]]]:
    """Whether every pipeline (of `pipelines`, None: all) was rebuilt with the stage layout it
    has now, and the layouts. One query: the stages, each with its pipeline's layout as last
    rebuilt."""
    built = ReportSummaryState.objects.filter(pipeline_id=OuterRef("pipeline_id"))
    stages = Stage.objects.order_by("pk").annotate(built=Subquery(built.values("layout")[:1]))
    if pipelines is not None:
        stages = stages.filter(pipeline_id__in=[p.pk for p in pipelines])
    layouts: dict[int, list[tuple]] = {}
    states: dict[int, str | None] = {}
    rows = stages.values_list("pipeline_id", "pk", "position", "kind", "archived_at", "built")
    for pipeline_id, pk, position, kind, archived_at, layout in rows:
        layouts.setdefault(pipeline_id, []).append((pk, position, kind, archived_at is not None))
        states[pipeline_id] = layout
    fresh = all(
        len(layout) <= MAX_STAGES and states[pk] == _layout_text(layout)
        for pk, layout in layouts.items()
    )
    return fresh, layouts


def summary_fresh(pipelines: Iterable[Pipeline] | None = None) -> bool:
    """Whether the summary is exact for these pipelines (None: every pipeline): each was rebuilt
    with the stage layout it has now."""
    return _fresh_layouts(pipelines)[0]


def summary_stage_bits(pipeline: Pipeline) -> dict[int, int] | None:
    """`stage_bits` of the pipeline when its summary is fresh, else None (one query)."""
    fresh, layouts = _fresh_layouts([pipeline])
    if not fresh:
        return None
    return {pk: bit for bit, (pk, *_rest) in enumerate(layouts.get(pipeline.pk, []))}


def _mask_case() -> str:
    """SQL of the bit of `sc.to_stage_id` (as a 64-bit integer), NULL past the last bit."""
    whens = []
    for stages in _layouts().values():
        for bit, (pk, *_rest) in enumerate(stages[:MAX_STAGES]):
            whens.append(f"WHEN {int(pk)} THEN {1 << bit}")
    if not whens:
        return "CAST(NULL AS BIGINT)"
    return f"CAST(CASE sc.to_stage_id {' '.join(whens)} END AS BIGINT)"


def _facts_insert(deals: QuerySet | list[int]) -> None:
    """Write the funnel facts of `deals` (none may have a row yet)."""
    from salesflow.analytics.reports.velocity import deals_scope

    scope, params = deals_scope(deals)
    change, stage = StageChange._meta.db_table, Stage._meta.db_table
    facts = DealHistoryFacts._meta.db_table
    order = "PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id"
    # The funnel's definitions (funnel._stage_counts): an entry is a change into a stage other
    # than Lost that is not a suspension or resumption in place; it moved on when a later
    # change went into a stage further on (by position) other than Lost.
    sql = f"""
        INSERT INTO {facts} (deal_id, reached_bits, advanced_bits)
        SELECT w.deal_id,
               CAST(COALESCE(SUM(DISTINCT CASE WHEN w.is_entry = 1 THEN w.mask END), 0)
                    AS BIGINT),
               CAST(COALESCE(SUM(DISTINCT CASE WHEN w.is_entry = 1 AND w.further > w.position
                                          THEN w.mask END), 0) AS BIGINT)
        FROM (
            SELECT sc.deal_id, st.position, {_mask_case()} AS mask,
                   MAX(CASE WHEN st.kind <> 'lost' THEN st.position END) OVER (
                       {order} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
                   ) AS further,
                   CASE WHEN st.kind <> 'lost' AND (sc.from_stage_id IS NULL
                        OR sc.from_stage_id <> sc.to_stage_id) THEN 1 ELSE 0 END AS is_entry
            FROM {change} sc
            JOIN {stage} st ON st.id = sc.to_stage_id
            WHERE sc.deal_id IN ({scope})
        ) w
        GROUP BY w.deal_id
    """  # noqa: S608 - table names, integer literals and the ORM's SQL; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _detours_insert(deals: QuerySet | list[int]) -> None:
    """Write the detour rows of `deals` (none may have rows yet)."""
    from salesflow.analytics.reports.detours import _events_sql
    from salesflow.analytics.reports.velocity import history_sql

    history, params = history_sql(deals)
    table = DealStageDetour._meta.db_table
    insert = f"""
        INSERT INTO {table} (deal_id, stage_id, backward_moves, reopened, skipped_stages,
                             repeated_stages, extra_days, left_out, events)
        SELECT deal_id, stage_id, SUM(backward_moves), SUM(reopened), SUM(skipped_stages),
               SUM(repeated_stages), SUM(extra_days), SUM(left_out), SUM(1 - left_out)
        FROM events
        GROUP BY deal_id, stage_id
    """  # noqa: S608 - table names and fixed SQL; values are parameters
    sql = _events_sql(history) + insert
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _recompute(deals: QuerySet | list[int]) -> None:
    """Recompute the rows of `deals`: a chunk's query (the rebuild), or deal ids (the refresh:
    read by value, see `velocity.deals_scope`)."""
    scope = deals if isinstance(deals, list) else deals.values("pk")
    DealHistoryFacts.objects.filter(deal__in=scope).delete()
    DealStageDetour.objects.filter(deal__in=scope).delete()
    _facts_insert(deals)
    _detours_insert(deals)


def deal_summaries_refresh(deal_ids: Iterable[int]) -> None:
    """Recompute the summary rows of these deals from their own histories (the hook of the
    stage-history writers; runs in the writer's transaction)."""
    ids = sorted({int(pk) for pk in deal_ids if pk is not None})
    with transaction.atomic():
        for start in range(0, len(ids), REFRESH_BATCH):
            _recompute(ids[start : start + REFRESH_BATCH])


def report_summaries_rebuild(
    pipelines: Iterable[Pipeline] | None = None,
    *,
    chunk: int = REBUILD_CHUNK,
    stale_only: bool = False,
) -> dict[int, bool]:
    """Recompute every deal's summary rows, pipeline by pipeline, `chunk` deals per transaction;
    then record the layout the pipeline was rebuilt with, if its stages did not change
    meanwhile. Returns {pipeline id: now fresh}."""
    chosen = list(Pipeline.objects.only("pk") if pipelines is None else pipelines)
    done: dict[int, bool] = {}
    for pipeline in chosen:
        if stale_only and summary_fresh([pipeline]):
            done[pipeline.pk] = True
            continue
        layout = _layouts([pipeline.pk]).get(pipeline.pk, [])
        deals = Deal.objects.filter(pipeline=pipeline)
        bounds = deals.aggregate(low=Min("pk"), high=Max("pk"))
        low, high = bounds["low"] or 0, bounds["high"] if bounds["high"] is not None else -1
        for start in range(low, high + 1, chunk):
            with transaction.atomic():
                part = deals.filter(pk__gte=start, pk__lt=start + chunk)
                # Lock the chunk's deals first: a writer moving one of them meanwhile (it holds
                # its deal's row until it commits) then recomputes it before or after the chunk,
                # never at the same time (PostgreSQL; SQLite runs one writer at a time anyway).
                list(part.select_for_update().order_by("pk").values_list("pk", flat=True))
                _recompute(part)
        with transaction.atomic():
            now = _layouts([pipeline.pk]).get(pipeline.pk, [])
            fresh = now == layout and len(layout) <= MAX_STAGES
            if fresh:
                ReportSummaryState.objects.update_or_create(
                    pipeline=pipeline,
                    defaults={"layout": _layout_text(layout), "built_at": timezone.now()},
                )
            done[pipeline.pk] = fresh
    return done
