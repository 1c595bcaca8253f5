"""Time a full-scale `salesflow demo` load into a fresh temporary SQLite database.

Run by hand from the project directory:

    .venv/bin/python bench/demo_load.py [--scale 1.0] [--seed 2024]

Prints the seconds the load took (migrations excluded; elapsed and CPU) and the rows created.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-bench-") as tmp:
        # Settings read the environment once, at setup: point them at the temporary file first.
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import django
        from django.core.management import call_command

        django.setup()
        from salesflow.demo.generator import demo_load

        call_command("migrate", verbosity=0, interactive=False)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = demo_load(seed=args.seed, scale=args.scale)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        size = (Path(tmp) / "bench.db").stat().st_size

    # CPU time too: on a busy machine the wall-clock time says more about the neighbours.
    print(
        f"demo load (scale {args.scale}, seed {args.seed}) on SQLite: "
        f"{seconds:.2f} s elapsed, {cpu_seconds:.2f} s CPU"
    )
    for name, count in result.counts.items():
        print(f"  {count:>7,} {name}")
    print(f"  database file: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
