"""Time the record pickers' endpoint (`search:pick`) and the pages that hold pickers at scale.

Run by hand from the project directory:

    .venv/bin/python bench/pickers_at_scale.py [--records 100000] [--accounts 10000] [--runs 7]

Builds its own data in a fresh temporary SQLite file (or, with --database-url, in that empty
database, e.g. a scratch PostgreSQL one): accounts, and as many contacts, leads and deals as
`--records`, half of them a rep's team records, the rest another team's. Then times, in-process
through Django's test client (server time, no network), each picker query for an admin and
for the rep, and the "Log activity", new-deal and deal pages; prints median/min/max ms, the
number of SQL queries and the page size.
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
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Koch",
    "Klein",
]


def build(records: int, accounts: int, seed: int) -> dict:
    from django.utils import timezone

    from salesflow.core.normalize import name_key, person_name_key
    from salesflow.customers.models import Account, Contact
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal, Pipeline
    from salesflow.users.models import Role, Team, User

    rng = random.Random(seed)
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    rep = User.objects.create(username="bench-rep", role=Role.REP)
    rep.teams.add(north)
    other = User.objects.create(username="bench-other", role=Role.REP)
    other.teams.add(south)
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)

    def owned(index: int) -> dict:
        mine = index % 2 == 0
        return {"owner": rep if mine else other, "team": north if mine else south}

    account_rows = Account.objects.bulk_create(
        (Account(name=f"{LAST[i % len(LAST)]} {i} GmbH", **owned(i)) for i in range(accounts)),
        batch_size=2000,
    )
    for account in account_rows:
        account.name_key = name_key(account.name)
    Account.objects.bulk_update(account_rows, ["name_key"], batch_size=2000)

    def person(i: int) -> tuple[str, str]:
        return rng.choice(FIRST), f"{rng.choice(LAST)}{i}"

    contacts = []
    for i in range(records):
        first, last = person(i)
        contacts.append(
            Contact(
                account=account_rows[i % accounts], first_name=first, last_name=last,
                name_key=person_name_key(first, last), email=f"c{i}@example.org", **owned(i),
            )
        )  # fmt: skip
    Contact.objects.bulk_create(contacts, batch_size=2000)
    leads = []
    for i in range(records):
        first, last = person(i)
        leads.append(
            Lead(
                first_name=first, last_name=last, name_key=person_name_key(first, last),
                email=f"l{i}@example.net", company=f"Company {i}", source="seo",
                channel="inbound", **owned(i),
            )
        )  # fmt: skip
    Lead.objects.bulk_create(leads, batch_size=2000)
    pipeline = Pipeline.objects.get(is_default=True)
    stage = pipeline.stages.order_by("position").first()
    now = timezone.now()
    Deal.objects.bulk_create(
        (
            Deal(
                name=f"{rng.choice(['Fleet', 'Licence', 'Rollout', 'Renewal'])} {i}",
                account=account_rows[i % accounts], pipeline=pipeline, stage=stage,
                stage_entered_at=now, **owned(i),
            )
            for i in range(records)
        ),
        batch_size=2000,
    )  # fmt: skip
    deal = Deal.objects.filter(owner=rep).order_by("pk").first()
    return {"rep": rep, "admin": admin, "deal": deal, "account": account_rows[0]}


def existing() -> dict | None:
    """The personas and records of an earlier build kept with --keep, or None."""
    from salesflow.pipeline.models import Deal
    from salesflow.users.models import User

    rep = User.objects.filter(username="bench-rep").first()
    if rep is None:
        return None
    deal = Deal.objects.filter(owner=rep).order_by("pk").first()
    admin = User.objects.get(username="bench-admin")
    return {"rep": rep, "admin": admin, "deal": deal, "account": deal.account}


def timed(client, url: str, runs: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, size, queries = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size, queries = len(response.content), len(captured)
    return times, queries, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="An empty scratch database instead of SQLite.")
    parser.add_argument(
        "--keep",
        type=Path,
        help="An SQLite file to build into and keep; when it already holds the data, it is "
        "used as it is (building 100,000 records of each kind takes minutes).",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        sqlite_file = args.keep or Path(tmp) / "bench.db"
        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{sqlite_file}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        settings.ALLOWED_HOSTS = ["*"]
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        data = existing() or build(args.records, args.accounts, args.seed)
        built = time.perf_counter() - started
        print(f"database: {connection.vendor}")
        print(
            f"data: {args.accounts} accounts, {args.records} contacts, leads and deals each "
            f"(built in {built:.0f} s); {args.runs} runs per figure"
        )
        deal, account = data["deal"], data["account"]
        cases = [
            ("contact, nothing typed", "/search/pick/contact/"),
            ("contact, 1 letter", "/search/pick/contact/?q=m"),
            ("contact, 3 letters", "/search/pick/contact/?q=mül"),
            ("contact, first and last name", "/search/pick/contact/?q=anna+sch"),
            ("contact, rare (one match)", "/search/pick/contact/?q=weber4711"),
            ("contact, no match", "/search/pick/contact/?q=zzqx"),
            ("contact, of one account", f"/search/pick/contact/?q=an&account={account.pk}"),
            ("contact, stakeholder of a deal", f"/search/pick/contact/?q=ko&deal={deal.pk}"),
            ("lead, 3 letters", "/search/pick/lead/?q=ber"),
            ("deal, 3 letters", "/search/pick/deal/?q=flee"),
            ("deal, 1 letter", "/search/pick/deal/?q=r"),
            ("account, 3 letters", "/search/pick/account/?q=wag"),
            ("page: Log activity", "/activities/new/"),
            ("page: new deal", "/deals/new/"),
            ("page: deal", f"/deals/{deal.pk}/"),
        ]
        heads = ("median", "min", "max", "queries", "bytes")
        print(f"{'persona':8} {'figure':34} " + " ".join(f"{h:>8}" for h in heads))
        for persona in ("admin", "rep"):
            client = Client()
            client.force_login(data[persona])
            for label, url in cases:
                client.get(url)  # warm the caches once
                times, queries, size = timed(client, url, args.runs)
                print(
                    f"{persona:8} {label:34} {statistics.median(times):8.1f} {min(times):8.1f} "
                    f"{max(times):8.1f} {queries:7d} {size:8d}"
                )


if __name__ == "__main__":
    main()
