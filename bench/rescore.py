"""Time `leads_rescore_all` on 10,000 leads with 40,000 activities in a temporary database.

Run by hand from the project directory:

    .venv/bin/python bench/rescore.py [--leads 10000] [--activities 40000] [--chunk-size 2000]

Builds its own data in a fresh temporary SQLite file (or, with --database-url, in that empty
database, e.g. a scratch PostgreSQL one) and prints the seconds and queries of a full rescore,
and its ratio to the floor timed in the same run: one UPDATE setting the same score columns
of every lead (run first, so the first rescore writes every score again).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=40_000)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="An empty scratch database instead of SQLite.")
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
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(floor_sql, floor_params)
        floor = time.perf_counter() - started

        runs = []
        for _ in range(2):  # the first run writes every score, the second rewrites them
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                scored = leads_rescore_all(chunk_size=args.chunk_size)
                runs.append((time.perf_counter() - started, len(queries)))
        grades = {grade: Lead.objects.filter(grade=grade).count() for grade in Grade.values}
        print(f"database: {connection.vendor}")
        print(f"data: {args.leads} leads, {args.activities} activities (built in {built:.1f} s)")
        for number, (seconds, count) in enumerate(runs, start=1):
            print(
                f"rescore run {number}: {scored} leads in {seconds:.2f} s "
                f"({scored / seconds:,.0f} leads/s), {count} queries, chunk {args.chunk_size}, "
                f"{seconds / floor:.1f}x the floor (target 10x)"
            )
        print(f"floor: one UPDATE of the score columns of every lead, {floor:.2f} s")
        print("grades:", ", ".join(f"{grade} {count}" for grade, count in grades.items()))


if __name__ == "__main__":
    main()
