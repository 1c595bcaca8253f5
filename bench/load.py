"""`make load`: a bounded API load run against `salesflow serve` while a lead import runs.

Run from the project directory (loopback only; everything in a temporary directory):

    .venv/bin/python bench/load.py [--scale 0.1] [--users 20] [--time 60s] [--import-rows 20000]

Steps: migrate a fresh SQLite file (or the empty database DATABASE_URL names) and load the demo
data at `--scale`; create an API token for the demo admin; start `salesflow serve` on 127.0.0.1
with its default worker count; start `salesflow import leads` of `--import-rows` generated
leads (`bench/import_leads.py`'s file and mapping) through the real import path; at the same
time run locust headless (`bench/locustfile.py`: list deals, get deal, search, create activity,
move deal) for `--time`. Prints requests/s and p50/p95/p99 per request with the error count,
how long the import took and whether it ran during the whole load, the load average at the
start and the end of the load, and writes the figures to bench/results/load-<vendor>-<scale>.json
(`-no-import` appended for `--import-rows 0`).

On PostgreSQL, DATABASE_URL must name an empty database (create one per run:
`createdb -h 127.0.0.1 -U salesflow salesflow_load`; drop it afterwards); the run refuses a
database that already holds the demo data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def salesflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "salesflow"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"salesflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"salesflow serve stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"salesflow serve did not answer {url} within {seconds:.0f} s")


def serve_workers(log: Path) -> int | None:
    """The worker count `salesflow serve` announced ("... with 4 workers.")."""
    for line in log.read_text().splitlines():
        if line.startswith("Salesflow on ") and line.endswith(" workers."):
            return int(line.split(" with ")[-1].split()[0])
    return None


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    rows = []
    with (prefix.parent / f"{prefix.name}_stats.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "setup":
                continue
            rows.append(
                {
                    "name": row["Name"] if row["Name"] != "Aggregated" else "all requests",
                    "method": row["Type"],
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                    "max_ms": float(row["Max Response Time"] or 0),
                }
            )
    return rows


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = prefix.parent / f"{prefix.name}_failures.csv"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="demo data scale")
    parser.add_argument("--users", type=int, default=20, help="simulated API clients")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--time", default="60s", help="how long locust runs (locust syntax)")
    parser.add_argument(
        "--import-rows", type=int, default=20_000, help="0: the same load without an import"
    )
    parser.add_argument("--workers", type=int, help="default: salesflow serve's own default")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (database, logs)"
    )
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="salesflow-load-"))
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'load.sqlite3'}")
    env["MEDIA_ROOT"] = str(tmp / "media")
    env["STATIC_ROOT"] = str(tmp / "static")
    vendor = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    server = None
    finished = False
    try:
        print(f"load run on {vendor}: migrating and loading the demo data at scale {args.scale}")
        salesflow(env, "migrate", "--no-input")
        started = time.perf_counter()
        out = salesflow(env, "demo", "--scale", str(args.scale))
        if "already" in out.lower():
            raise SystemExit(
                "bench/load.py: the database already holds data; give it an empty one."
            )
        print(f"  demo data loaded in {time.perf_counter() - started:.0f} s")
        token = salesflow(env, "token", "create", "admin", "--name", "load run").strip()

        sys.path.insert(0, str(BENCH))
        import import_leads  # a sibling bench script

        source, mapping = tmp / "leads.csv", tmp / "mapping.json"
        import_leads.generate(source, args.import_rows)
        mapping.write_text(json.dumps(import_leads.MAPPING))

        port = free_port()
        host = f"http://127.0.0.1:{port}"
        serve = [str(BIN / "salesflow"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        log = (tmp / "serve.log").open("w")
        server = subprocess.Popen(
            serve, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until_up(f"{host}/login/", server)
        workers = serve_workers(tmp / "serve.log")
        print(f"  salesflow serve on {host} with {workers} workers (log: {tmp / 'serve.log'})")

        import_log = (tmp / "import.log").open("w")
        import_started = time.perf_counter()
        command = [
            str(BIN / "salesflow"),
            "import",
            "leads",
            str(source),
            "--mapping",
            str(mapping),
        ]
        if not args.import_rows:  # a baseline: the same load without the import
            command = [sys.executable, "-c", "print('no import (--import-rows 0)')"]
        importer = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=import_log, stderr=subprocess.STDOUT
        )
        prefix = tmp / "locust"
        load_average_start = os.getloadavg()
        load_started = time.perf_counter()
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", str(BENCH / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time,
             "--host", host, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            env={**env, "SALESFLOW_LOAD_TOKEN": token}, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        load_seconds = time.perf_counter() - load_started
        load_average_end = os.getloadavg()
        import_running_at_end = importer.poll() is None
        importer.wait()
        import_seconds = time.perf_counter() - import_started
        import_log.close()
        import_output = (tmp / "import.log").read_text().strip().splitlines()

        stats = read_stats(prefix)
        failures = read_failures(prefix)
        overlap = "still running when the load ended" if import_running_at_end else "ended first"
        print(
            f"\nlocust: {args.users} users, {args.time}, {load_seconds:.0f} s; "
            f"import of {args.import_rows:,} leads: {import_seconds:.0f} s ({overlap}), "
            f"exit {importer.returncode}: {import_output[-1] if import_output else ''}"
        )
        print(
            "load average (1 min) at the start and the end of the load: "
            f"{load_average_start[0]:.1f}, {load_average_end[0]:.1f}"
        )
        print(f"{'request':<18} {'requests':>8} {'errors':>6} {'req/s':>7} "
              f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")  # fmt: skip
        for row in stats:
            print(
                f"{row['name']:<18} {row['requests']:>8} {row['errors']:>6} {row['rps']:>7.1f} "
                f"{row['p50_ms']:>7.0f} {row['p95_ms']:>7.0f} {row['p99_ms']:>7.0f} "
                f"{row['max_ms']:>7.0f}"
            )
        for failure in failures:
            print(f"  failure: {failure}")
        if locust.returncode not in (0, 1):  # 1: some requests failed (shown above)
            print(locust.stdout[-2000:], locust.stderr[-2000:])
        results = {
            "database": vendor,
            "scale": args.scale,
            "users": args.users,
            "time": args.time,
            "workers": workers,
            "cpus": os.cpu_count(),
            "load_average_start": [round(value, 2) for value in load_average_start],
            "load_average_end": [round(value, 2) for value in load_average_end],
            "import_rows": args.import_rows,
            "import_seconds": round(import_seconds, 1),
            "import_exit": importer.returncode,
            "import_message": import_output[-1] if import_output else "",
            "import_running_at_end": import_running_at_end,
            "requests": stats,
            "failures": failures,
        }
        name = f"load-{vendor}-{args.scale:g}" + ("" if args.import_rows else "-no-import")
        path = args.json or BENCH / "results" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nresults written to {path}")
        finished = True
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if finished and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"(database and logs kept in {tmp})")


if __name__ == "__main__":
    main()
