"""Time every deal report on a large history, beside hand-written SQL for the same figure.

Run by hand from the project directory (issue #9; the targets are the performance issue's):

    .venv/bin/python bench/analytics_at_scale.py [--deals 1000000] [--database-url URL]
        [--keep /tmp/reports-1m.sqlite3]

Builds `--deals` deals (about five stage changes each: 1,000,000 deals give about 5,000,000)
in a fresh temporary SQLite database, or in the (emptied) database `--database-url` names, then
reads each report as an admin (all time, and one quarter) and runs a hand-written query that
computes the report's main figure, printing both times. The hand-written SQL is the floor: the
report's own queries do more (access scope, filters, currencies, several figures).

`--keep FILE` builds into that SQLite file and keeps it; when the file already holds the data
(a previous run with `--keep`), it is migrated and reused, not rebuilt (the build of a million
deals takes minutes). With `--database-url`, `--reuse` does the same for a database that
already holds the data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

BATCH = 20_000
REPS = 40
TEAMS = 8

# Hand-written SQL per report: (vendor -> SQL). `{deal}`, `{change}`, `{stage}` are tables.
HAND_SQL: dict[str, dict[str, str]] = {
    "overview": {
        "any": "SELECT team_id, SUM(CASE WHEN outcome IN ('won', 'upgraded') THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN outcome = 'lost' THEN 1 ELSE 0 END) FROM {deal}"
        " WHERE outcome <> 'open' GROUP BY team_id",
    },
    "funnel": {
        "any": "SELECT to_stage_id, COUNT(DISTINCT deal_id) FROM {change} GROUP BY to_stage_id",
    },
    "velocity": {
        "sqlite": "SELECT to_stage_id, AVG(days) FROM (SELECT to_stage_id, julianday(LEAD("
        "changed_at) OVER (PARTITION BY deal_id ORDER BY changed_at, id)) - julianday("
        "changed_at) AS days FROM {change}) s WHERE days IS NOT NULL GROUP BY to_stage_id",
        "postgresql": "SELECT to_stage_id, AVG(days) FROM (SELECT to_stage_id, EXTRACT(EPOCH "
        "FROM LEAD(changed_at) OVER (PARTITION BY deal_id ORDER BY changed_at, id) - "
        "changed_at) / 86400 AS days FROM {change}) s WHERE days IS NOT NULL GROUP BY to_stage_id",
    },
    "detours": {
        "any": "SELECT from_stage_id, COUNT(*) FROM {change} WHERE is_backward "
        "GROUP BY from_stage_id",
    },
    "win-rates": {
        "any": "SELECT owner_id, SUM(CASE WHEN outcome IN ('won', 'upgraded') THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN outcome = 'lost' THEN 1 ELSE 0 END), SUM(CASE WHEN outcome IN "
        "('won', 'upgraded') THEN amount ELSE 0 END) FROM {deal} WHERE outcome <> 'open' "
        "GROUP BY owner_id",
    },
    "forecast": {
        "sqlite": "SELECT strftime('%Y-%m', expected_close_on), SUM(amount * probability / 100.0)"
        " FROM {deal} d JOIN {stage} s ON s.id = d.stage_id WHERE outcome = 'open' GROUP BY 1",
        "postgresql": "SELECT to_char(expected_close_on, 'YYYY-MM'), SUM(amount * probability "
        "/ 100.0) FROM {deal} d JOIN {stage} s ON s.id = d.stage_id WHERE outcome = 'open' "
        "GROUP BY 1",
    },
    # Source ROI counts leads (this script builds none; bench/run.py's data has them).
    "sources": {
        "any": "SELECT channel, source, COUNT(*), SUM(CASE WHEN qualified_at IS NOT NULL OR "
        "status = 'converted' THEN 1 ELSE 0 END) FROM {lead} GROUP BY channel, source",
    },
}
READS: list[tuple[str, dict[str, str]]] = [
    ("overview", {}),
    ("funnel", {}),
    ("velocity", {}),
    ("detours", {"by": "stage"}),
    ("win-rates", {"by": "owner"}),
    ("forecast", {}),
    ("sources", {"by": "source"}),
]


def hand_sql(sql: str) -> list[Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def cpu_timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Elapsed and CPU seconds of this process (on SQLite that includes the database's work)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - started, time.process_time() - cpu, result


def median_cpu_timed(work: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    results = [cpu_timed(work) for _ in range(max(runs, 1))]
    middle = len(results) // 2
    return (
        sorted(r[0] for r in results)[middle],
        sorted(r[1] for r in results)[middle],
        results[-1][2],
    )


def without_summary(work: Callable[[], Any]) -> Callable[[], Any]:
    """`work` with the reports reading the stage history, as before the summary data."""
    from salesflow.analytics.reports import detours, funnel

    def run() -> Any:
        saved = funnel.summary_stage_bits, detours.summary_fresh
        funnel.summary_stage_bits = lambda *a, **k: None
        detours.summary_fresh = lambda *a, **k: False
        try:
            return work()
        finally:
            funnel.summary_stage_bits, detours.summary_fresh = saved

    return run


def manager_get() -> Any:
    """The manager of the first team (created on first use): a manager's reports count a team."""
    from salesflow.users.models import Role, User
    from salesflow.users.services import user_create

    manager = User.objects.filter(username="bench-manager").first()
    return manager or user_create(username="bench-manager", role=Role.MANAGER, team_name="Team 0")


def median_timed(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    results = [timed(work) for _ in range(max(runs, 1))]
    seconds = sorted(t for t, _ in results)
    return seconds[len(seconds) // 2], results[-1][1]


class RowWriter:
    """Rows of one model written by `executemany` with ids chosen here: building Django objects
    and `bulk_create` cost more than the data is worth at millions of rows. Every column gets
    the value its field would save (defaults included), converted by the field itself."""

    def __init__(self, model: Any, **defaults: Any) -> None:
        from django.db import connection

        self.model, self.connection = model, connection
        template = model(**defaults)
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.names = [f.attname for f in self.fields]
        self.template = {f.attname: getattr(template, f.attname) for f in self.fields}
        quoted = [connection.ops.quote_name("id")] + [
            connection.ops.quote_name(f.column) for f in self.fields
        ]
        marks = ", ".join(["%s"] * len(quoted))
        self.sql = f"INSERT INTO {model._meta.db_table} ({', '.join(quoted)}) VALUES ({marks})"  # noqa: S608
        self.next_id = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.rows: list[list[Any]] = []

    def add(self, **values: Any) -> int:
        pk, self.next_id = self.next_id, self.next_id + 1
        merged = {**self.template, **values}
        self.rows.append(
            [pk] + [f.get_db_prep_save(merged[f.attname], self.connection) for f in self.fields]
        )
        return pk

    def flush(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.rows = []

    def reset_sequence(self) -> None:
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)


def build(deals: int, seed: int) -> tuple[Any, int]:
    """The people, then the deals with their stage histories, in large batches."""
    from django.db import transaction

    from salesflow.pipeline.models import Deal, LostReason, Outcome, StageChange
    from salesflow.pipeline.selectors import pipeline_default
    from salesflow.users.models import Role
    from salesflow.users.services import user_create

    rng = random.Random(seed)
    admin = user_create(username="bench-admin", role=Role.ADMIN)
    reps = []
    for n in range(REPS):
        rep = user_create(username=f"rep{n}", team_name=f"Team {n % TEAMS}")
        reps.append((rep, rep.teams.get()))
    pipeline = pipeline_default()
    stages = list(pipeline.stages.order_by("position"))
    open_stages = [s for s in stages if s.kind == "open"]
    won_stage = next(s for s in stages if s.kind == "won")
    lost_stage = next(s for s in stages if s.kind == "lost")
    reason = LostReason.objects.first()
    start = dt.datetime(2021, 1, 1, 9, tzinfo=dt.UTC)
    deal_rows = RowWriter(
        Deal,
        owner=reps[0][0],
        team=reps[0][1],
        pipeline=pipeline,
        stage=open_stages[0],
        stage_entered_at=start,
        currency="EUR",
        created_at=start,
        updated_at=start,
    )
    change_rows = RowWriter(StageChange, to_stage=open_stages[0], changed_at=start)
    changes_written = 0
    for offset in range(0, deals, BATCH):
        with transaction.atomic():
            for n in range(min(BATCH, deals - offset)):
                owner, team = rng.choice(reps)
                created = start + dt.timedelta(minutes=rng.randrange(0, 5 * 365 * 24 * 60))
                depth = rng.randint(2, len(open_stages))
                moment, path = created, []
                for stage in open_stages[:depth]:
                    path.append((stage, moment))
                    moment += dt.timedelta(days=rng.randint(2, 30))
                if rng.random() < 0.3 and depth > 2:  # a backward move: a detour
                    path.append((open_stages[depth - 2], moment))
                    moment += dt.timedelta(days=rng.randint(2, 20))
                outcome = rng.choices(["won", "lost", "open"], weights=[3, 4, 3])[0]
                if outcome == "won":
                    path.append((won_stage, moment))
                elif outcome == "lost":
                    path.append((lost_stage, moment))
                closed = outcome != "open"
                deal_id = deal_rows.add(
                    name=f"Deal {offset + n}",
                    owner_id=owner.pk,
                    team_id=team.pk,
                    stage_id=path[-1][0].pk,
                    stage_entered_at=path[-1][1],
                    amount=Decimal(rng.randrange(500, 200_000)),
                    outcome=outcome,
                    lost_reason_id=reason.pk if outcome == "lost" else None,
                    closed_at=moment if closed else None,
                    closed_on=moment.date() if closed else None,
                    expected_close_on=(moment + dt.timedelta(days=30)).date(),
                    created_at=created,
                    updated_at=moment,
                )
                previous = None
                for stage, at in path:
                    terminal = stage.kind != "open"
                    change_rows.add(
                        deal_id=deal_id,
                        from_stage_id=previous.pk if previous else None,
                        to_stage_id=stage.pk,
                        from_outcome="" if previous is None else Outcome.OPEN,
                        to_outcome=outcome if terminal else Outcome.OPEN,
                        changed_at=at,
                        is_backward=previous is not None
                        and not terminal
                        and stage.position < previous.position,
                    )
                    previous = stage
                changes_written += len(path)
            deal_rows.flush()
            change_rows.flush()
        done = min(offset + BATCH, deals)
        print(f"  {done:>9,} deals, {changes_written:>10,} stage changes", end="\r", flush=True)
    print()
    deal_rows.reset_sequence()
    change_rows.reset_sequence()
    return admin, changes_written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", default="", help="SQLite file to build into and keep (reused)")
    parser.add_argument("--reuse", action="store_true", help="reuse --database-url's data")
    parser.add_argument("--runs", type=int, default=1, help="times each read (median shown)")
    parser.add_argument("--only", default="", help="comma-separated reports to read (default all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        if args.keep:
            target = f"sqlite:///{Path(args.keep).resolve()}"
        else:
            target = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["DATABASE_URL"] = args.database_url or target
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        from salesflow.analytics.registry import report_get, report_run
        from salesflow.leads.models import Lead
        from salesflow.pipeline.models import Deal, Stage, StageChange
        from salesflow.users.models import User

        reuse = args.reuse or (args.keep and not args.database_url and Path(args.keep).exists())
        if args.database_url and not reuse:
            call_command("flush", verbosity=0, interactive=False)
        seconds, cpu, _ = cpu_timed(lambda: call_command("migrate", verbosity=0, interactive=False))
        print(f"migrated in {seconds:.1f} s ({cpu:.1f} s CPU)")
        admin = User.objects.filter(username="bench-admin").first() if reuse else None
        if admin is None:
            print(f"Building {args.deals:,} deals on {connection.vendor} ...")
            seconds, (admin, changes) = timed(lambda: build(args.deals, args.seed))
            print(f"built {args.deals:,} deals and {changes:,} stage changes in {seconds:.0f} s")
        else:
            print(
                f"Reusing {Deal.objects.count():,} deals and "
                f"{StageChange.objects.count():,} stage changes"
            )
        from salesflow.analytics.models import DealHistoryFacts
        from salesflow.analytics.summary import report_summaries_rebuild, summary_fresh

        # The builder writes rows directly, past the writers' hooks: rebuild the summary (the
        # same work as the migration's backfill and `salesflow report_summaries`).
        if not summary_fresh() or DealHistoryFacts.objects.count() != Deal.objects.count():
            seconds, cpu, _ = cpu_timed(report_summaries_rebuild)
            print(f"summary rebuilt in {seconds:.1f} s ({cpu:.1f} s CPU)")
        manager = manager_get()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        tables = {
            "deal": Deal._meta.db_table,
            "change": StageChange._meta.db_table,
            "stage": Stage._meta.db_table,
            "lead": Lead._meta.db_table,
        }
        quarter = {"from": "2024-01-01", "to": "2024-03-31"}
        print(
            f"{'report':<12} {'all time':>10} {'cpu':>7} {'a quarter':>10} {'manager':>10}"
            f" {'cpu':>7} {'hand SQL':>10} {'cpu':>7} {'ratio':>6} {'cpu ratio':>9}  rows"
        )
        only = {name for name in args.only.split(",") if name}
        for slug, options in READS:
            if only and slug not in only:
                continue
            spec = report_get(slug)
            variants = [("", lambda work: work)]
            if slug in ("funnel", "detours"):
                variants.insert(0, (" (history SQL)", without_summary))
            for label, wrap in variants:
                all_time, all_cpu, report = median_cpu_timed(
                    wrap(partial(report_run, spec, admin, options)), args.runs
                )
                in_quarter, _, _ = median_cpu_timed(
                    wrap(partial(report_run, spec, admin, {**options, **quarter})), args.runs
                )
                managed, managed_cpu, _ = median_cpu_timed(
                    wrap(partial(report_run, spec, manager, options)), args.runs
                )
                sql = HAND_SQL[slug].get(connection.vendor) or HAND_SQL[slug]["any"]
                hand, hand_cpu, _ = median_cpu_timed(
                    partial(hand_sql, sql.format(**tables)), args.runs
                )
                name = f"{slug}{label}"
                print(
                    f"{name:<12} {all_time:>9.2f}s {all_cpu:>6.2f}s {in_quarter:>9.2f}s "
                    f"{managed:>9.2f}s {managed_cpu:>6.2f}s {hand:>9.2f}s {hand_cpu:>6.2f}s "
                    f"{all_time / hand:>6.1f} {all_cpu / max(hand_cpu, 1e-6):>9.1f}  "
                    f"{len(report.rows)}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
