"""Time the global search (salesflow/search) at 100,000 records per kind.

Run by hand from the project directory:

    .venv/bin/python bench/search_at_scale.py [--records 100000] [--runs 7]
    DATABASE_URL=postgres://salesflow:salesflow@127.0.0.1:5432/salesflow_search_bench \\
        .venv/bin/python bench/search_at_scale.py

Builds its data in a fresh temporary SQLite file (or, with DATABASE_URL, in that database, which
must be empty: it is migrated and filled): `--records` leads, contacts, accounts, deals and
activities, bulk inserted (so the search indexes fill through the SQLite triggers, or the
PostgreSQL GIN indexes), owned by 40 reps in 8 teams with mixed visibility. Then times, for a
few queries, as median/min/max ms over `--runs` runs:

- `grouped`: `search_grouped(user, q, limit=5)`, what the search page and the header drop-down
  do: the top five hits of every kind and their counts (10 queries at most);
- `dropdown`: the same without the counts (`count=False`), what the header's drop-down does
  (median ms);
- `floor`: the bare index lookups the same answer needs at the least, timed in the same run: per
  kind, the ids the index gives for all the words (one FTS5 MATCH / GIN `@@`, up to
  CANDIDATE_CAP ids), no access policy, no ranking, no rows read;

and prints the ratio grouped/floor, for an admin (sees all) and a rep (own + team).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

FIRST = [
    "Anna",
    "Bernd",
    "Clara",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hans",
    "Ida",
    "Jonas",
    "Karla",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sven",
    "Tina",
    "Uwe",
    "Vera",
    "Willi",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Jana",
    "Piotr",
    "Marta",
    "Luca",
    "Sara",
]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz",
        "Novak", "Kowalski", "Rossi", "Bianchi", "Dubois", "Moreau", "Jansen", "de Vries",
        "Nielsen", "Hansen", "Larsen", "Svensson", "Garcia", "Lopez"]  # fmt: skip
WORDS = ["Acme", "Global", "Nord", "Alpine", "Blue", "River", "Stone", "Bright", "Iron",
         "Silver", "Green", "Delta", "Orbit", "Vertex", "Summit", "Harbor", "Pioneer",
         "Quantum", "Solar", "Atlas"]  # fmt: skip
TRADES = [
    "Logistics",
    "Software",
    "Energy",
    "Foods",
    "Textiles",
    "Robotics",
    "Health",
    "Media",
    "Finance",
    "Mining",
    "Retail",
    "Labs",
    "Systems",
    "Motors",
    "Consulting",
]
DEAL_WORDS = ["renewal", "expansion", "pilot", "fleet", "licences"]
FORMS = ["GmbH", "AG", "Ltd", "SA", "BV", "Inc", "KG", "Oy"]
SUBJECTS = ["Call about", "Demo for", "Meeting with", "Follow up with", "Send offer to",
            "Visit", "Quarterly review with", "Email"]  # fmt: skip


def company(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(TRADES)} {rng.randrange(1000)} {rng.choice(FORMS)}"


def build(records: int, seed: int) -> dict:
    from django.utils import timezone

    from salesflow.activities.models import Activity
    from salesflow.core.normalize import name_key, person_name_key
    from salesflow.customers.models import Account, Contact
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal, Pipeline
    from salesflow.users.models import Role, Team, User

    rng = random.Random(seed)
    teams = [Team.objects.create(name=f"Team {i}") for i in range(8)]
    reps = []
    for i in range(40):
        user = User.objects.create(username=f"bench-rep-{i}", role=Role.REP)
        user.teams.add(teams[i % 8])
        reps.append((user, teams[i % 8]))
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    now = timezone.now()
    batch = 5000

    def owned() -> dict:
        user, team = rng.choice(reps)
        visibility = rng.choices(["team", "private", "everyone"], [6, 3, 1])[0]
        return {"owner": user, "team": team, "visibility": visibility}

    def phone() -> str:
        return f"+49{rng.randrange(30, 99)}{rng.randrange(10**6, 10**8)}"

    timings = {}
    started = time.perf_counter()
    accounts = []
    for start in range(0, records, batch):
        rows = []
        for i in range(start, min(records, start + batch)):
            name = company(rng)
            rows.append(
                Account(name=name, name_key=name_key(name),
                        website=f"https://{name.split()[0].lower()}{i}.example", **owned())
            )  # fmt: skip
        accounts += [a.pk for a in Account.objects.bulk_create(rows)]
    timings["accounts"] = time.perf_counter() - started

    def people(model, extra):  # leads and contacts
        t0 = time.perf_counter()
        made = []
        for start in range(0, records, batch):
            rows = []
            for i in range(start, min(records, start + batch)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                rows.append(
                    model(first_name=first, last_name=last,
                          name_key=person_name_key(first, last),
                          email=f"{first.lower()}.{i}@{rng.choice(WORDS).lower()}.example",
                          phone=phone(), **extra(i), **owned())
                )  # fmt: skip
            made.extend(r.pk for r in model.objects.bulk_create(rows))
        return time.perf_counter() - t0, made

    timings["leads"], leads = people(
        Lead,
        lambda i: {"company": company(rng), "external_id": f"CRM-{i:06d}",
                   "channel": "inbound", "source": "seo"},
    )  # fmt: skip
    timings["contacts"], contacts = people(Contact, lambda i: {"account_id": rng.choice(accounts)})

    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.filter(kind="open"))
    t0 = time.perf_counter()
    deals = []
    for start in range(0, records, batch):
        rows = [
            Deal(name=f"{rng.choice(WORDS)} {rng.choice(DEAL_WORDS)} {i}",
                 account_id=rng.choice(accounts), primary_contact_id=rng.choice(contacts),
                 lead_id=rng.choice(leads) if i % 3 == 0 else None, pipeline=pipeline,
                 stage=rng.choice(stages),
                 stage_entered_at=now, external_id=f"D-{i:06d}", **owned())
            for i in range(start, min(records, start + batch))
        ]  # fmt: skip
        deals += [d.pk for d in Deal.objects.bulk_create(rows)]
    timings["deals"] = time.perf_counter() - t0

    def link(i: int) -> dict:
        return {"deal_id": rng.choice(deals)} if i % 2 else {"lead_id": rng.choice(leads)}

    t0 = time.perf_counter()
    for start in range(0, records, batch):
        rows = [
            Activity(type="call", subject=f"{rng.choice(SUBJECTS)} {rng.choice(LAST)} {i}",
                     **link(i),
                     **owned())
            for i in range(start, min(records, start + batch))
        ]  # fmt: skip
        Activity.objects.bulk_create(rows)
    timings["activities"] = time.perf_counter() - t0

    sample = Lead.objects.order_by("pk")[records // 2]
    return {"admin": admin, "rep": reps[0][0], "timings": timings, "lead": sample}


def floor_once(q: str) -> None:
    """The floor: per kind, the bare index query for all the words (one FTS5 MATCH / GIN @@),
    fetching the ids it gives (as many as the search looks at); no access policy, no ranking,
    no rows of the source tables read."""
    from django.db import connection

    from salesflow.search import selectors

    terms = selectors.search_terms(q)
    with connection.cursor() as cursor:
        for kind in selectors.KINDS:
            cursor.execute(
                selectors._index_sql(kind) + f" LIMIT {selectors.CANDIDATE_CAP}",
                [selectors._match_param(terms)],
            )
            cursor.fetchall()


def timed(fn, runs: int) -> list[float]:
    fn()  # warm the caches once
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="per kind")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--reuse", metavar="FILE", help="a SQLite file built by an earlier run: time only"
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="DATABASE_URL holds the data of an earlier run (migrated again first): time only",
    )
    args = parser.parse_args()

    tmp = None
    if args.reuse:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.reuse).resolve()}"
    elif not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="salesflow-search-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from salesflow.search.selectors import search_grouped

    call_command("migrate", verbosity=0)
    if args.reuse or args.reuse_database:
        from salesflow.leads.models import Lead
        from salesflow.users.models import User

        records = Lead.objects.count()
        data = {
            "admin": User.objects.get(username="bench-admin"),
            "rep": User.objects.get(username="bench-rep-0"),
            "lead": Lead.objects.order_by("pk")[records // 2],
        }
        print(f"database: {connection.vendor}, {records:,} records per kind (reused)")
    else:
        t0 = time.perf_counter()
        data = build(args.records, args.seed)
        built = time.perf_counter() - t0
        with connection.cursor() as cursor:
            # A steady state, not the minutes after a bulk load: on PostgreSQL, VACUUM sets the
            # visibility map that autovacuum would set a little later (until then every index
            # lookup re-reads heap pages, and autovacuum competes with the timings).
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(
            f"database: {connection.vendor}, {args.records:,} records per kind, "
            f"built in {built:.1f} s"
        )
        print("  bulk insert (s): " + ", ".join(f"{k} {v:.1f}" for k, v in data["timings"].items()))

    lead = data["lead"]
    queries = {
        "common last name": "schm",
        "first + last name": "anna müller",
        "company words": "acme logist",
        "email part": lead.email.split("@")[0].split(".")[0] + " " + lead.email.split(".")[1],
        "phone, national": "0" + lead.phone[3:10],
        "external id": lead.external_id.lower(),
        "nothing found": "zzyzx",
    }
    print(f"\n{'query':<20} {'q':<18} {'who':<6} {'grouped median/min/max ms':>27} "
          f"{'floor median ms':>16} {'ratio':>6} {'hits':>5} {'dropdown':>9}")  # fmt: skip
    for label, q in queries.items():
        for who in ("admin", "rep"):
            user = data[who]
            groups = search_grouped(user, q, limit=5)
            grouped = timed(lambda u=user, q=q: search_grouped(u, q, limit=5), args.runs)
            dropdown = timed(
                lambda u=user, q=q: search_grouped(u, q, limit=5, count=False), args.runs
            )
            floor = timed(lambda q=q: floor_once(q), args.runs)
            med, fmed = statistics.median(grouped), statistics.median(floor)
            hits = sum(g.count for g in groups)
            print(
                f"{label:<20} {q[:18]:<18} {who:<6} "
                f"{med:>9.1f} / {min(grouped):>6.1f} / {max(grouped):>6.1f} "
                f"{fmed:>16.2f} {med / max(fmed, 0.001):>6.1f} {hits:>5} "
                f"{statistics.median(dropdown):>9.1f}"
            )
    if tmp:
        print(f"\n(data in {tmp}; delete it when done)")


if __name__ == "__main__":
    main()
