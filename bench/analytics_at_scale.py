"""Time every deal report on a large history, beside hand-written SQL for the same figure.

Run by hand from the project directory (issue #9; the targets are the performance issue's):

    .venv/bin/python bench/analytics_at_scale.py [--deals 1000000] [--database-url URL]

Builds `--deals` deals (about five stage changes each: 1,000,000 deals give about 5,000,000)
in a fresh temporary SQLite database, or in the (emptied) database `--database-url` names, then
reads each report as an admin (all time, and one quarter) and runs a hand-written query that
computes the report's main figure, printing both times. The hand-written SQL is the floor: the
report's own queries do more (access scope, filters, currencies, several figures).
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
}
READS: list[tuple[str, dict[str, str]]] = [
    ("overview", {}),
    ("funnel", {}),
    ("velocity", {}),
    ("detours", {"by": "stage"}),
    ("win-rates", {"by": "owner"}),
    ("forecast", {}),
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


def build(deals: int, seed: int) -> tuple[Any, int]:
    """The people, then the deals with their stage histories, in large batches."""
    from salesflow.demo.generator import timestamps_as_given
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
    changes_written = 0
    with timestamps_as_given(Deal):
        for offset in range(0, deals, BATCH):
            batch, paths = [], []
            for _ in range(min(BATCH, deals - offset)):
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
                batch.append(
                    Deal(
                        name=f"Deal {offset + len(batch)}",
                        owner=owner,
                        team=team,
                        pipeline=pipeline,
                        stage=path[-1][0],
                        stage_entered_at=path[-1][1],
                        amount=Decimal(rng.randrange(500, 200_000)),
                        currency="EUR",
                        outcome=outcome,
                        lost_reason=reason if outcome == "lost" else None,
                        closed_at=moment if closed else None,
                        closed_on=moment.date() if closed else None,
                        expected_close_on=(moment + dt.timedelta(days=30)).date(),
                        created_at=created,
                        updated_at=moment,
                    )
                )
                paths.append(path)
            written = Deal.objects.bulk_create(batch, batch_size=5_000)
            rows = []
            for deal, path in zip(written, paths, strict=True):
                previous = None
                for stage, at in path:
                    terminal = stage.kind != "open"
                    rows.append(
                        StageChange(
                            deal=deal,
                            from_stage=previous,
                            to_stage=stage,
                            from_outcome="" if previous is None else Outcome.OPEN,
                            to_outcome=deal.outcome if terminal else Outcome.OPEN,
                            changed_at=at,
                            is_backward=previous is not None
                            and not terminal
                            and stage.position < previous.position,
                        )
                    )
                    previous = stage
            StageChange.objects.bulk_create(rows, batch_size=20_000)
            changes_written += len(rows)
            done = offset + len(batch)
            print(f"  {done:>9,} deals, {changes_written:>10,} stage changes", end="\r")
    print()
    return admin, changes_written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        from salesflow.analytics.registry import report_get, report_run
        from salesflow.pipeline.models import Deal, Stage, StageChange

        if args.database_url:
            call_command("flush", verbosity=0, interactive=False)
        call_command("migrate", verbosity=0, interactive=False)
        print(f"Building {args.deals:,} deals on {connection.vendor} ...")
        seconds, (admin, changes) = timed(lambda: build(args.deals, args.seed))
        print(f"built {args.deals:,} deals and {changes:,} stage changes in {seconds:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        tables = {
            "deal": Deal._meta.db_table,
            "change": StageChange._meta.db_table,
            "stage": Stage._meta.db_table,
        }
        quarter = {"from": "2024-01-01", "to": "2024-03-31"}
        print(f"{'report':<12} {'all time':>10} {'a quarter':>10} {'hand SQL':>10}  rows")
        for slug, options in READS:
            spec = report_get(slug)
            all_time, report = timed(partial(report_run, spec, admin, options))
            in_quarter, _ = timed(partial(report_run, spec, admin, {**options, **quarter}))
            sql = HAND_SQL[slug].get(connection.vendor) or HAND_SQL[slug]["any"]
            hand, _ = timed(partial(hand_sql, sql.format(**tables)))
            print(
                f"{slug:<12} {all_time:>9.2f}s {in_quarter:>9.2f}s {hand:>9.2f}s  "
                f"{len(report.rows)}"
            )


if __name__ == "__main__":
    main()
