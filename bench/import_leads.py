"""Time `salesflow import leads` on a generated CSV of 100,000 leads, into a fresh SQLite file.

Run by hand from the project directory:

    .venv/bin/python bench/import_leads.py [--rows 100000] [--chunk-rows 1000] [--reimport]
    .venv/bin/python bench/import_leads.py --rows 5000 --tracemalloc

The file goes through the real import path (job, parsing, mapping, `lead_create` per row,
chunked transactions). Prints rows per second, the peak memory of the process, and the resident
memory as the import advances, which stays flat: rows are read lazily and handled per chunk.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000)
    parser.add_argument("--reimport", action="store_true", help="Import the file a second time.")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="Also trace Python allocations (slower)."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        # Settings read the environment once, at setup: point them at the temporary files first.
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
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

        samples: list[tuple[int, int]] = []

        def progress(job: object) -> None:
            samples.append((job.rows_processed, rss_kb()))  # type: ignore[attr-defined]

        def run() -> tuple[object, float]:
            job = import_job_create(
                user=admin, file=source, filename=source.name, kind="leads", mapping=MAPPING
            )
            started = time.perf_counter()
            job = import_run(job, progress=progress, chunk_rows=args.chunk_rows)
            return job, time.perf_counter() - started

        rss_before = rss_kb()
        if args.tracemalloc:
            tracemalloc.start()
        job, seconds = run()
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        first_samples, samples[:] = list(samples), []
        again = run() if args.reimport else None

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import of {args.rows:,} leads ({size_mb:.1f} MB CSV), chunks of {args.chunk_rows:,}:")
    print(f"  {job.message}")  # type: ignore[attr-defined]
    print(f"  {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s")
    if again is not None:
        rejob, reseconds = again
        print(f"  re-import: {rejob.message}")  # type: ignore[attr-defined]
        print(f"  re-import: {reseconds:.1f} s, {args.rows / reseconds:,.0f} rows/s")
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
