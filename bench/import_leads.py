"""Time `salesflow import leads` on a generated CSV of 100,000 leads, into a fresh SQLite file.

Run by hand from the project directory:

    .venv/bin/python bench/import_leads.py [--rows 100000] [--chunk-rows 1000] [--reimport]
    .venv/bin/python bench/import_leads.py --rows 5000 --tracemalloc
    .venv/bin/python bench/import_leads.py --rows 20000 --database-url postgres://.../scratch

The file goes through the real import path (job, parsing, mapping and checks per row, new
leads inserted, scored and audited per chunk, chunked transactions). Prints rows per second
and its ratio to two floors timed in the same run on the same database: `executemany` of the
file's rows into a plain table of text columns in one transaction, and `executemany` of the
same rows, already shaped as lead rows, into Salesflow's own lead table with its indexes (the
rows are deleted again before the import). Then the peak memory of the process and the
resident memory as the import advances, which stays flat: rows are read lazily and handled
per chunk. With --database-url (an empty scratch database) it runs on that database instead.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
         "Dennis", "Radia", "Tim", "Sophie", "Hedy", "Jürgen", "Zoë", "Łukasz"]  # fmt: skip
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
        "Hamilton", "Ritchie", "Perlman", "Berners-Lee", "Wilson", "Torvalds", "Lamarr",
        "Müller", "Ça", "Nowak"]  # fmt: skip
SOURCES = ["Google", "Referral", "Webinar", "Cold call", "LinkedIn", "Trade fair", "Newsletter"]
MAPPING = {
    "kind": "leads",
    "columns": {
        "Lead ID": "external_id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone": "phone",
        "Company": "company",
        "Job Title": "title",
        "Country": "region",
        "Lead Source": "source",
    },
    "values": {
        "source": {
            "Google": "seo",
            "LinkedIn": "social",
            "Trade fair": "exhibition",
            "Newsletter": "email",
            "*": "other",
        }
    },
    "defaults": {"source": "other"},
    "null_values": ["", "n/a"],
}


def rss_kb() -> int:
    """Resident memory now (Linux), in kB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def generate(path: Path, rows: int) -> None:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(MAPPING["columns"]))
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            phone = f"+49 30 {rng.randrange(1_000_000, 9_999_999)}" if n % 2 else "n/a"
            writer.writerow([
                f"L-{n:06d}", first, last, f"lead{n}@example.com", phone,
                f"Company {n % 5_000}, Ltd", rng.choice(["CEO", "CTO", "Head of Sales", ""]),
                rng.choice(["Germany", "France", "Poland", "United States"]),
                rng.choice(SOURCES),
            ])  # fmt: skip


# CPU seconds of the two floors (this process; on SQLite the database's work is in it).
FLOOR_CPU: dict[str, float] = {}


def floors(source: Path, admin: object) -> tuple[float, float]:
    """Seconds of the two floors: the file's rows into a plain table, and as lead rows into
    the lead table (then deleted), each one `executemany` in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from salesflow.leads.models import Lead

    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_plain ("
            + ", ".join(f"c{i} varchar(200)" for i in range(len(rows[0])))
            + ")"
        )
    plain_sql = "INSERT INTO bench_plain VALUES ({})".format(  # noqa: S608
        ", ".join(["%s"] * len(rows[0]))
    )
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(plain_sql, rows)
    plain = time.perf_counter() - started
    FLOOR_CPU["plain"] = time.process_time() - cpu

    now = timezone.now()
    fields = [f for f in Lead._meta.concrete_fields if not f.primary_key]
    sample = Lead(owner_id=admin.pk, channel="inbound", source="other", created_at=now,  # type: ignore[attr-defined]
                  updated_at=now, assigned_at=now, scored_at=now)  # fmt: skip
    template = {f.attname: f.get_db_prep_save(getattr(sample, f.attname), connection)
                for f in fields}  # fmt: skip
    shaped = []
    for cells in rows:
        values = dict(template)
        values.update(external_id=cells[0], first_name=cells[1], last_name=cells[2],
                      email=cells[3], phone=cells[4] if cells[4] != "n/a" else "",
                      company=cells[5], title=cells[6], region=cells[7], source_detail=cells[8],
                      name_key=f"{cells[1]} {cells[2]}".casefold(),
                      company_key=cells[5].casefold())  # fmt: skip
        shaped.append([values[f.attname] for f in fields])
    lead_sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(Lead._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(lead_sql, shaped)
    own = time.perf_counter() - started
    FLOOR_CPU["own"] = time.process_time() - cpu
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(Lead._meta.db_table)}")  # noqa: S608
        cursor.execute("DROP TABLE bench_plain")
    return plain, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000)
    parser.add_argument("--reimport", action="store_true", help="Import the file a second time.")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="Also trace Python allocations (slower)."
    )
    parser.add_argument("--database-url", help="An empty scratch database instead of SQLite.")
    parser.add_argument(
        "--profile",
        help="Write a cProfile of the import to this file (of the re-import: PATH.reimport).",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        # Settings read the environment once, at setup: point them at the temporary files first.
        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import django
        from django.core.management import call_command

        django.setup()
        from salesflow.imports.services import import_job_create, import_run
        from salesflow.users.services import user_create

        call_command("migrate", verbosity=0, interactive=False)
        admin = user_create(username="bench", role="admin")
        source = Path(tmp) / "leads.csv"
        generate(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        plain_floor, own_floor = floors(source, admin)
        from django.db import connection

        vendor = connection.vendor

        samples: list[tuple[int, int]] = []
        cpu_seconds: list[float] = []  # this process's CPU per import (SQLite's work included)

        def progress(job: object) -> None:
            samples.append((job.rows_processed, rss_kb()))  # type: ignore[attr-defined]

        def run(profile: str | None = None) -> tuple[object, float]:
            job = import_job_create(
                user=admin, file=source, filename=source.name, kind="leads", mapping=MAPPING
            )
            profiler = None
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started, cpu_started = time.perf_counter(), time.process_time()
            job = import_run(job, progress=progress, chunk_rows=args.chunk_rows)
            seconds = time.perf_counter() - started
            cpu_seconds.append(time.process_time() - cpu_started)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            return job, seconds

        rss_before = rss_kb()
        if args.tracemalloc:
            tracemalloc.start()
        job, seconds = run(args.profile)
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        first_samples, samples[:] = list(samples), []
        again = run(args.profile and args.profile + ".reimport") if args.reimport else None

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"import of {args.rows:,} leads ({size_mb:.1f} MB CSV) on {vendor}, "
        f"chunks of {args.chunk_rows:,}:"
    )
    print(f"  {job.message}")  # type: ignore[attr-defined]
    print(
        f"  {seconds:.2f} s, {args.rows / seconds:,.0f} rows/s; CPU {cpu_seconds[0]:.2f} s "
        f"({args.rows / cpu_seconds[0]:,.0f} rows per CPU second); load average "
        + " ".join(f"{load:.1f}" for load in os.getloadavg())
    )
    print(
        f"  floors: plain table {plain_floor:.2f} s ({args.rows / plain_floor:,.0f} rows/s), "
        f"lead table {own_floor:.2f} s ({args.rows / own_floor:,.0f} rows/s)"
    )
    print(
        f"  floors' CPU: plain {FLOOR_CPU['plain']:.2f} s, lead table {FLOOR_CPU['own']:.2f} s; "
        f"CPU ratios {cpu_seconds[0] / FLOOR_CPU['plain']:.1f}x / "
        f"{cpu_seconds[0] / FLOOR_CPU['own']:.1f}x"
    )
    print(
        f"  import / plain floor: {seconds / plain_floor:.1f}x (target 20x); "
        f"import / lead-table floor: {seconds / own_floor:.1f}x (target about 3x)"
    )
    if again is not None:
        rejob, reseconds = again
        print(f"  re-import: {rejob.message}")  # type: ignore[attr-defined]
        print(
            f"  re-import: {reseconds:.2f} s, {args.rows / reseconds:,.0f} rows/s, "
            f"{reseconds / plain_floor:.1f}x the plain floor; CPU {cpu_seconds[1]:.2f} s"
        )
    print(f"  peak RSS {peak_mb:.0f} MB (before the import: {rss_before / 1024:.0f} MB)")
    marks = [
        first_samples[max(0, len(first_samples) * share // 10 - 1)]
        for share in (1, 5, 10)
        if first_samples
    ]
    shown = ", ".join(f"{rows:,} rows: {kb / 1024:.0f} MB" for rows, kb in marks)
    print(f"  RSS as the first import advanced: {shown}")
    if traced_peak is not None:
        print(f"  tracemalloc peak (Python objects): {traced_peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
