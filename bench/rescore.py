"""Time `leads_rescore_all` on 10,000 leads with 40,000 activities in a temporary database.

Run by hand from the project directory:

    .venv/bin/python bench/rescore.py [--leads 10000] [--activities 40000] [--chunk-size 2000]
        [--runs 2] [--database-url URL [--existing]] [--baseline OLD_SCORING_PY]

Builds its own data in a fresh temporary SQLite file (or, with --database-url, in that empty
database, e.g. a scratch PostgreSQL one or a new SQLite file to keep; with --existing, uses the
data already there, e.g. a copy of the scale-1 database) and prints the seconds, CPU seconds
and queries of a full rescore, and their ratios to the floor timed in the same run: one UPDATE
setting the same score columns of every lead (run first, so the first rescore writes every
score again). With --baseline (an older copy of salesflow/leads/scoring.py) its
`leads_rescore_all` runs in turn with the current one in the same process, and at the end both
rescore at the same moment and must store identical values in every lead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any


def build(leads: int, activities: int, seed: int) -> None:
    from django.utils import timezone

    from salesflow.activities.models import Activity
    from salesflow.leads.models import Lead, ProfileCriterion, Qualification
    from salesflow.users.models import Team, User

    rng = random.Random(seed)
    now = timezone.now()
    team = Team.objects.create(name="Bench")
    owner = User.objects.create(username="bench-rep")
    owner.teams.add(team)
    ProfileCriterion.objects.bulk_create(
        [
            ProfileCriterion(dimension="industry", value="Logistics", weight=30),
            ProfileCriterion(dimension="size_band", value="51-200", weight=20),
            ProfileCriterion(dimension="region", value="Europe", weight=20),
            ProfileCriterion(dimension="role", value="CEO", weight=30),
        ]
    )
    bants = Qualification.objects.bulk_create(
        Qualification(
            budget_amount=Decimal(rng.randrange(1000, 90000)),
            is_budget_confirmed=rng.random() < 0.5,
            is_decision_maker=rng.choice([True, False, None]),
            need="Faster routing" if rng.random() < 0.6 else "",
            pain_level=rng.randint(1, 5),
            timeline_on=now.date() + dt.timedelta(days=rng.randint(-30, 300)),
        )
        for _ in range(leads // 3)
    )
    rows = []
    for index in range(leads):
        rows.append(
            Lead(
                first_name=f"First{index}",
                last_name=f"Last{index}",
                title=rng.choice(["CEO", "Head of Logistics", "Buyer", ""]),
                company=f"Company {index} GmbH",
                company_key=f"company {index}",
                name_key=f"first{index} last{index}",
                industry=rng.choice(["Logistics", "Retail", "Software", ""]),
                size_band=rng.choice(["1-10", "51-200", "1000+", ""]),
                region=rng.choice(["Europe", "Asia", ""]),
                channel="inbound",
                source="seo",
                owner=owner,
                team=team,
                qualification=bants[index] if index < len(bants) else None,
            )
        )
    lead_rows = Lead.objects.bulk_create(rows, batch_size=2000)
    kinds = ["call", "email", "meeting", "visit", "demo", "note", "task"]
    Activity.objects.bulk_create(
        (
            Activity(
                type=(kind := rng.choice(kinds)),
                subject="Bench",
                lead=rng.choice(lead_rows),
                done_at=now - dt.timedelta(days=rng.randint(0, 120))
                if rng.random() < 0.7
                else None,
                outcome="Replied" if kind == "email" and rng.random() < 0.4 else "",
                owner=owner,
                team=team,
            )
            for _ in range(activities)
        ),
        batch_size=2000,
    )


def _baseline(path: str) -> Any:
    """An older copy of salesflow/leads/scoring.py, loaded beside the current one."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_scoring", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _snapshot() -> dict[int, tuple]:
    from salesflow.leads.models import Lead

    return {
        pk: rest
        for pk, *rest in Lead.objects.values_list(
            "pk", "fit_score", "score", "grade", "score_breakdown", "scored_at"
        ).iterator(chunk_size=5000)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=40_000)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--database-url", help="An empty scratch database instead of SQLite.")
    parser.add_argument(
        "--existing", action="store_true", help="Use the data already in --database-url."
    )
    parser.add_argument(
        "--baseline",
        help="An older copy of salesflow/leads/scoring.py: its leads_rescore_all is timed in "
        "turn with the current one, and both must store the same values.",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        # Settings read the environment once, at setup: point them at the database first.
        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import django
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        django.setup()
        from salesflow.leads.models import Grade, Lead
        from salesflow.leads.scoring import leads_rescore_all

        built = 0.0
        if not args.existing:
            call_command("migrate", verbosity=0, interactive=False)
            started = time.perf_counter()
            build(args.leads, args.activities, args.seed)
            built = time.perf_counter() - started

        # The floor: one UPDATE of the same columns on every lead, in one statement.
        from django.db import transaction
        from django.utils import timezone

        fields = [Lead._meta.get_field(name) for name in
                  ("fit_score", "score", "grade", "score_breakdown", "scored_at")]  # fmt: skip
        quote = connection.ops.quote_name
        floor_sql = "UPDATE {} SET {}".format(  # noqa: S608
            quote(Lead._meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields)
        )
        floor_params = [f.get_db_prep_save(v, connection) for f, v in
                        zip(fields, (0, 0, "cold", [], timezone.now()), strict=True)]  # fmt: skip
        floors = []
        for _ in range(3):  # one run is noisy on a shared machine: the median of three
            started, cpu = time.perf_counter(), time.process_time()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(floor_sql, floor_params)
            floors.append((time.process_time() - cpu, time.perf_counter() - started))
        floor_cpu, floor = sorted(floors)[1]

        def timed(function: Any, label: str) -> None:
            with CaptureQueriesContext(connection) as queries:
                started, cpu = time.perf_counter(), time.process_time()
                scored = function(chunk_size=args.chunk_size)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"{label}: {scored} leads in {seconds:.2f} s, CPU {cpu:.2f} s "
                f"({cpu / floor_cpu:.1f}x the floor's CPU, {seconds / floor:.1f}x its elapsed; "
                f"target 10x), {len(queries)} queries, chunk {args.chunk_size}",
                flush=True,
            )

        count = Lead.objects.count()
        print(f"database: {connection.vendor}")
        print(f"data: {count} leads (built in {built:.1f} s)" if built else f"data: {count} leads")
        print(f"floor: one UPDATE of the score columns of every lead, {floor:.2f} s, "
              f"CPU {floor_cpu:.3f} s (median CPU of 3; all: "
              f"{', '.join(f'{c:.3f}' for c, _ in floors)})")  # fmt: skip
        baseline = _baseline(args.baseline) if args.baseline else None
        timed(leads_rescore_all, "current, first run (writes every score)")
        for number in range(1, args.runs + 1):
            if baseline is not None:
                timed(baseline.leads_rescore_all, f"baseline run {number}")
            timed(leads_rescore_all, f"current run {number}")
        if baseline is not None:
            now = timezone.now()
            baseline.leads_rescore_all(now=now)
            before = _snapshot()
            Lead.objects.update(fit_score=0, score=0, grade="cold", score_breakdown=[])
            leads_rescore_all(now=now)
            after = _snapshot()
            differing = [pk for pk in before if before[pk] != after.get(pk)]
            same = not differing and len(before) == len(after)
            print(f"identical to the baseline at the same time: {same} ({len(differing)} differ)")
        grades = {grade: Lead.objects.filter(grade=grade).count() for grade in Grade.values}
        print("grades:", ", ".join(f"{grade} {count}" for grade, count in grades.items()))


if __name__ == "__main__":
    main()
