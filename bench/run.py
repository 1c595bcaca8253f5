"""`make bench SCALE=...`: Salesflow's benchmarks at one scale, each beside its floor.

Run from the project directory:

    .venv/bin/python bench/run.py --scale 0.01            # smoke run, seconds
    .venv/bin/python bench/run.py --scale 1 --runs 7      # the full size of issue #10
    DATABASE_URL=postgres://salesflow:salesflow@127.0.0.1:5432/salesflow_bench \\
        .venv/bin/python bench/run.py --scale 0.1

Generates the data deterministically (`bench/scale_data.py`; scale 1 = 10,000 accounts, 100,000
contacts, leads and deals, 30,000 deals open in one pipeline, 1,000,000 activities) into a fresh
SQLite file under /tmp, or into the database DATABASE_URL names, which must be empty (it is
migrated first; a database holding users or records is refused). Then runs every figure
`--runs` times (after one warm-up) and prints, per figure: median, min and max, its floor
measured in the same run on the same database, and the ratio median/floor:

- pages: server time in-process through Django's test client as a rep, a manager and an admin,
  with the number of SQL queries; floor: a bare SELECT of the rows the page shows;
- the lead list filtered on a custom field (issue #15), with its query plan;
- reports (`bench/analytics_at_scale.py`'s reports and hand-written SQL as floor);
- search (`bench/search_at_scale.py`'s floor: the bare index lookups);
- rescore of every lead; floor: one UPDATE of the same columns;
- lead import through the real import path (`bench/import_leads.py`'s file and mapping);
  floor: `executemany` of the same rows into a plain table in one transaction;
- with `--scripts`, `bench/demo_load.py` at the same scale (its own temporary SQLite file).

The results are also written as JSON, to bench/results/<vendor>-<scale>.json by default.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PER_PAGE = 25
CUSTOM_KEY = "total_visits"


def _bench_module(name: str) -> Any:
    """One of the other bench scripts, imported as a module (they import Django lazily)."""
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


def _ms(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


class Times(list):
    """Elapsed ms per run, and `cpu_ms`: this process's CPU time per run. On a shared machine
    the elapsed time also counts the neighbours; the CPU time does not (on SQLite it includes
    the database's work, on PostgreSQL only Salesflow's side)."""

    cpu_ms: float | None = None


def _timed(work: Callable[[], Any], runs: int, *, warm: bool = True) -> Times:
    if warm:
        work()
    out = Times()
    cpu = time.process_time()
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        out.append((time.perf_counter() - t0) * 1000)
    out.cpu_ms = (time.process_time() - cpu) * 1000 / max(1, runs)
    return out


def _sql(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Callable[[], Any]:
    from django.db import connection

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    return run


class Bench:
    """Collects figures and prints each as it is measured."""

    def __init__(self, runs: int, log: Callable[[str], None]) -> None:
        self.runs = runs
        self.log = log
        self.figures: list[dict[str, Any]] = []
        self.log(
            f"{'figure':<46} {'who':<8} {'median':>9} {'min':>9} {'max':>9} "
            f"{'floor':>8} {'ratio':>7} {'cpu':>8} {'queries':>7}"
        )

    def add(
        self,
        group: str,
        name: str,
        who: str,
        times: list[float],
        floor: list[float] | None,
        *,
        queries: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        figure = {"group": group, "figure": name, "who": who, **_ms(times)}
        figure["floor_ms"] = round(statistics.median(floor), 3) if floor else None
        figure["ratio"] = (
            round(figure["median_ms"] / max(figure["floor_ms"], 0.001), 1) if floor else None
        )
        cpu = getattr(times, "cpu_ms", None)
        figure["cpu_ms"] = round(cpu, 2) if cpu is not None else None
        figure["queries"] = queries
        figure.update(extra)
        self.figures.append(figure)
        floor_text = f"{figure['floor_ms']:8.2f}" if floor else f"{'-':>8}"
        ratio_text = f"{figure['ratio']:7.1f}" if floor else f"{'-':>7}"
        self.log(
            f"{(group + ': ' + name)[:46]:<46} {who:<8} {figure['median_ms']:9.1f} "
            f"{figure['min_ms']:9.1f} {figure['max_ms']:9.1f} {floor_text} {ratio_text} "
            f"{'-' if cpu is None else format(cpu, '8.1f'):>8} "
            f"{'' if queries is None else queries:>7}"
        )
        return figure


def page_cases(data: dict[str, Any], scale: float) -> list[tuple[str, Any, Callable]]:
    """(figure, url per persona, floor) for every page of issue #10 point 4."""
    from django.utils import timezone

    from salesflow.activities.models import Activity
    from salesflow.customers.models import Account, Contact
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal

    t = {m: m._meta.db_table for m in (Deal, Lead, Contact, Account, Activity)}
    rep = data["rep"]
    deal = Deal.objects.filter(owner=rep, outcome="open").order_by("pk").first()
    account = Account.objects.filter(owner=rep).order_by("pk").first()
    pipeline = data["pipeline"]
    open_stages = list(pipeline.stages.filter(kind="open").order_by("position"))
    deep = max(2, round(scale * 100_000 / PER_PAGE / 2))  # the middle of the admin's list
    tomorrow = timezone.now() + dt.timedelta(days=1)

    def bare(table: str, where: str = "", params: tuple = (), page: int = 1) -> Callable:
        offset = (page - 1) * PER_PAGE
        return _sql(
            f"SELECT * FROM {table} {where} ORDER BY id DESC LIMIT {PER_PAGE} OFFSET {offset}",  # noqa: S608
            params,
        )

    def board_floor() -> None:
        for stage in open_stages:
            _sql(
                f"SELECT * FROM {t[Deal]} WHERE pipeline_id = %s AND stage_id = %s "  # noqa: S608
                "AND outcome = 'open' ORDER BY stage_entered_at LIMIT 20",
                (pipeline.pk, stage.pk),
            )()

    def two(*floors: Callable) -> Callable:
        def run() -> None:
            for floor in floors:
                floor()

        return run

    stage = open_stages[len(open_stages) // 2].pk
    cases = [
        ("board", "/board/", board_floor),
        (
            "My day",
            "/",
            _sql(
                f"SELECT * FROM {t[Activity]} WHERE owner_id = %s AND done_at IS NULL "  # noqa: S608
                "AND due_at < %s ORDER BY due_at LIMIT 50",
                (rep.pk, tomorrow),
            ),
        ),
        ("deal list", "/deals/", bare(t[Deal])),
        ("deal list, search", "/deals/?q=acme", bare(t[Deal], "WHERE name LIKE '%%acme%%'")),
        (
            "deal list, filters",
            f"/deals/?outcome=open&stage={stage}",
            bare(t[Deal], "WHERE outcome = 'open' AND stage_id = %s", (stage,)),
        ),
        ("deal list, deep page", f"/deals/?page={deep}", bare(t[Deal], page=deep)),
        ("lead list", "/leads/", bare(t[Lead])),
        ("lead list, search", "/leads/?q=anna", bare(t[Lead], "WHERE first_name = 'Anna'")),
        (
            "lead list, filters",
            "/leads/?status=working&source=seo",
            bare(t[Lead], "WHERE status = 'working' AND source = 'seo'"),
        ),
        ("lead list, deep page", f"/leads/?page={deep}", bare(t[Lead], page=deep)),
        (
            "lead list, custom field filter",
            f"/leads/?custom.{CUSTOM_KEY}__gte=58",
            bare(t[Lead], f"WHERE json_extract(custom, '$.{CUSTOM_KEY}') >= 58")
            if _vendor() == "sqlite"
            else bare(t[Lead], f"WHERE (custom -> '{CUSTOM_KEY}') >= '58'::jsonb"),
        ),
        ("contact list", "/accounts/contacts/", bare(t[Contact])),
        (
            "contact list, search",
            "/accounts/contacts/?q=weber",
            bare(t[Contact], "WHERE last_name = 'Weber'"),
        ),
        (
            "contact list, filters",
            "/accounts/contacts/?consent=no",
            bare(t[Contact], "WHERE has_consent = %s", (False,)),
        ),
        (
            "contact list, deep page",
            f"/accounts/contacts/?page={deep}",
            bare(t[Contact], page=deep),
        ),
        ("account list", "/accounts/", bare(t[Account])),
        (
            "account list, search",
            "/accounts/?q=nord",
            bare(t[Account], "WHERE name LIKE 'Nord%%'"),
        ),
        (
            "account list, filters",
            "/accounts/?industry=Logistics&region=Europe",
            bare(t[Account], "WHERE industry = 'Logistics' AND region = 'Europe'"),
        ),
        (
            "account list, deep page",
            f"/accounts/?page={max(2, deep // 10)}",
            bare(t[Account], page=max(2, deep // 10)),
        ),
        (
            "deal page",
            f"/deals/{deal.pk}/",
            two(
                _sql(f"SELECT * FROM {t[Deal]} WHERE id = %s", (deal.pk,)),  # noqa: S608
                bare(t[Activity], "WHERE deal_id = %s", (deal.pk,)),
            ),
        ),
        (
            "account page",
            f"/accounts/{account.pk}/",
            two(
                _sql(f"SELECT * FROM {t[Account]} WHERE id = %s", (account.pk,)),  # noqa: S608
                bare(t[Contact], "WHERE account_id = %s", (account.pk,)),
                bare(t[Deal], "WHERE account_id = %s", (account.pk,)),
            ),
        ),
        # Pages that hold record pickers (bench/pickers_at_scale.py's cases).
        ("Log activity (form)", "/activities/new/", None),
        ("contact picker, 3 letters", "/search/pick/contact/?q=mül", None),
    ]
    return cases


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def bench_pages(bench: Bench, data: dict[str, Any], scale: float) -> None:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    pickers = _bench_module("pickers_at_scale")
    # Server time of pages for signed-in users: the admin's two-factor step is not measured.
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(SALESFLOW_2FA_REQUIRED="none", ALLOWED_HOSTS=hosts):
        _bench_pages(bench, data, scale, pickers, Client)


def _bench_pages(
    bench: Bench, data: dict[str, Any], scale: float, pickers: Any, Client: Any
) -> None:
    for name, url, floor in page_cases(data, scale):
        floor_times = _timed(floor, bench.runs) if floor else None
        for who in ("rep", "manager", "admin"):
            client = Client()
            client.force_login(data[who])
            client.get(url)  # warm the caches once
            cpu = time.process_time()
            times, queries, size = pickers.timed(client, url, bench.runs)
            times = Times(times)
            times.cpu_ms = (time.process_time() - cpu) * 1000 / bench.runs
            bench.add("page", name, who, times, floor_times, queries=queries, bytes=size, url=url)


def custom_filter_plan(data: dict[str, Any]) -> dict[str, Any]:
    """The lead list's custom-field filter as the page runs it, and its query plan."""
    from salesflow.customfields.models import CustomField
    from salesflow.customfields.services import custom_field_index_name
    from salesflow.leads.forms import LeadFilterForm
    from salesflow.leads.selectors import leads_filtered

    field = CustomField.objects.get(kind="lead", key=CUSTOM_KEY)
    index = custom_field_index_name(field)
    form = LeadFilterForm({f"custom.{CUSTOM_KEY}__gte": "58"}, user=data["admin"])
    leads = leads_filtered(data["admin"], **form.filters())
    plan = leads[:PER_PAGE].explain()
    return {"index": index, "uses_index": index in plan, "plan": plan}


def bench_reports(bench: Bench, data: dict[str, Any]) -> None:
    from functools import partial

    from django.db import connection

    from salesflow.analytics.registry import report_get, report_run
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal, Stage, StageChange

    analytics = _bench_module("analytics_at_scale")
    tables = {
        "deal": Deal._meta.db_table,
        "change": StageChange._meta.db_table,
        "stage": Stage._meta.db_table,
        "lead": Lead._meta.db_table,
    }
    for slug, options in analytics.READS:
        sql = analytics.HAND_SQL[slug].get(connection.vendor) or analytics.HAND_SQL[slug]["any"]
        floor = _timed(partial(analytics.hand_sql, sql.format(**tables)), bench.runs)
        for who in ("manager", "admin"):
            spec = report_get(slug)
            times = _timed(partial(report_run, spec, data[who], options), bench.runs)
            bench.add("report", slug, who, times, floor)


def bench_search(bench: Bench, data: dict[str, Any]) -> None:
    from salesflow.search.selectors import search_grouped

    search = _bench_module("search_at_scale")
    for q in ("schm", "anna müller", "acme logist", "zzyzx"):
        floor_times = _timed(lambda q=q: search.floor_once(q), bench.runs)
        for who in ("rep", "admin"):
            times = _timed(lambda u=data[who], q=q: search_grouped(u, q, limit=5), bench.runs)
            bench.add("search", q, who, times, floor_times)


def bench_rescore(bench: Bench, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from salesflow.leads.models import Lead
    from salesflow.leads.scoring import leads_rescore_all

    table = Lead._meta.db_table
    floor = _timed(
        _sql(
            f"UPDATE {table} SET score = score, grade = grade, score_breakdown = score_breakdown,"  # noqa: S608
            " scored_at = %s",
            (timezone.now(),),
        ),
        runs,
    )
    with CaptureQueriesContext(connection) as captured:
        leads_rescore_all()  # the first run writes every score
    times = _timed(leads_rescore_all, runs, warm=False)
    bench.add(
        "rescore", f"{Lead.objects.count():,} leads", "system", times, floor,
        queries=len(captured), floor_cpu_ms=round(floor.cpu_ms or 0, 1),
        cpu_ratio=round(times.cpu_ms / max(floor.cpu_ms or 0.001, 0.001), 1),
    )  # fmt: skip
    bench.log(
        f"  rescore: CPU {times.cpu_ms:,.0f} ms a run, the floor's {floor.cpu_ms or 0:,.0f} ms: "
        f"x{times.cpu_ms / max(floor.cpu_ms or 0.001, 0.001):.1f} (target 10x)"
    )


def bench_import(bench: Bench, data: dict[str, Any], rows: int, tmp: Path) -> None:
    """One import (and one re-import of the unchanged file) through the real path; the floor is
    the same rows by `executemany` into a plain table, in one transaction, several times."""
    from django.db import connection, transaction

    from salesflow.imports.services import import_job_create, import_run

    importer = _bench_module("import_leads")
    source = tmp / "leads.csv"
    importer.generate(source, rows)
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        values = [tuple(r) for r in reader]
    columns = ", ".join(f"c{i} TEXT" for i in range(len(header)))
    marks = ", ".join(["%s"] * len(header))

    def floor_once() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor")
            cursor.execute(f"CREATE TABLE bench_floor ({columns})")
            cursor.executemany(f"INSERT INTO bench_floor VALUES ({marks})", values)  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_floor")

    floor = _timed(floor_once, bench.runs)
    lead_sql, lead_rows = _lead_table_rows(values, data["admin"])
    own_floor = _timed(lambda: _lead_table_floor(lead_sql, lead_rows), bench.runs)
    bench.add(
        "import", f"floor: executemany into the lead table, {rows:,} rows", "system",
        own_floor, floor, note="rolled back; ratio = lead-table floor / plain floor",
    )  # fmt: skip

    def run_import() -> Any:
        job = import_job_create(
            user=data["admin"], file=source, filename=source.name, kind="leads",
            mapping=importer.MAPPING,
        )  # fmt: skip
        return import_run(job)

    for label in ("import", "re-import (unchanged file)"):
        t0, cpu = time.perf_counter(), time.process_time()
        job = run_import()
        seconds = time.perf_counter() - t0
        times = Times([seconds * 1000])
        times.cpu_ms = (time.process_time() - cpu) * 1000
        bench.add(
            "import", f"{label}, {rows:,} leads", "admin", times, floor,
            rows_per_s=round(rows / seconds), message=getattr(job, "message", ""),
            lead_table_floor_ms=round(statistics.median(own_floor), 1),
            lead_table_ratio=round(seconds * 1000 / statistics.median(own_floor), 1),
            cpu_ratio_plain=round(times.cpu_ms / max(floor.cpu_ms or 0.001, 0.001), 1),
            cpu_ratio_lead_table=round(times.cpu_ms / max(own_floor.cpu_ms or 0.001, 0.001), 1),
            peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        )  # fmt: skip
        plain_ms, own_ms = statistics.median(floor), statistics.median(own_floor)
        cpu_plain = times.cpu_ms / max(floor.cpu_ms or 0.001, 0.001)
        cpu_own = times.cpu_ms / max(own_floor.cpu_ms or 0.001, 0.001)
        bench.log(
            f"  {label}: {rows / seconds:,.0f} rows/s; x{seconds * 1000 / plain_ms:.1f} the "
            f"plain floor, x{seconds * 1000 / own_ms:.1f} the lead-table floor (CPU: "
            f"x{cpu_plain:.1f} / x{cpu_own:.1f}); {job.message}"
        )


def _lead_table_rows(values: list[tuple[str, ...]], admin: Any) -> tuple[str, list[list[Any]]]:
    """The file's rows shaped as lead rows (prepared for the driver), and their INSERT."""
    from django.db import connection
    from django.utils import timezone

    from salesflow.leads.models import Lead

    now = timezone.now()
    fields = [f for f in Lead._meta.concrete_fields if not f.primary_key]
    sample = Lead(owner_id=admin.pk, channel="inbound", source="other", created_at=now,
                  updated_at=now, assigned_at=now, scored_at=now)  # fmt: skip
    template = {f.attname: f.get_db_prep_save(getattr(sample, f.attname), connection)
                for f in fields}  # fmt: skip
    shaped = []
    for cells in values:
        row = dict(template)
        row.update(external_id=f"floor-{cells[0]}", first_name=cells[1], last_name=cells[2],
                   email=cells[3], phone=cells[4] if cells[4] != "n/a" else "",
                   company=cells[5], title=cells[6], region=cells[7], source_detail=cells[8],
                   name_key=f"{cells[1]} {cells[2]}".casefold(),
                   company_key=cells[5].casefold())  # fmt: skip
        shaped.append([row[f.attname] for f in fields])
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(Lead._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    return sql, shaped


def _lead_table_floor(sql: str, shaped: list[list[Any]]) -> None:
    """`executemany` of the shaped lead rows into the lead table with its indexes, in one
    transaction that is rolled back (the data is left as it was)."""
    from django.db import connection, transaction

    class _Undo(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, shaped)
            raise _Undo
    except _Undo:
        pass


def bench_scripts(bench: Bench, scale: float) -> None:
    """`bench/demo_load.py` at the same scale (its own temporary SQLite file), timed whole."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(BENCH / "demo_load.py"), "--scale", str(scale)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    bench.log(out.stdout.strip())
    bench.add("demo", f"salesflow demo --scale {scale}", "system", [seconds * 1000], None,
              output=out.stdout.strip())  # fmt: skip


def machine() -> dict[str, Any]:
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            memory = info.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run(
    *,
    scale: float,
    runs: int = 5,
    seed: int = 10,
    json_path: Path | None = None,
    scripts: bool = False,
    import_rows: int | None = None,
    only: set[str] | None = None,
    strict: bool = False,
    reuse: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the data into the current (migrated, empty) database, measure, return the results.

    `only` names the steps to run (pages, custom, reports, search, rescore, import, demo);
    `strict` raises the first error instead of recording it in `errors` and going on; `reuse`
    measures the data this runner built earlier into the same database instead of refusing it."""
    from django.db import connection

    data_module = _bench_module("scale_data")
    data = data_module.existing() if reuse else None
    if data is None and not data_module.database_is_empty():
        raise SystemExit(
            "bench: the database already holds users or records; give it an empty one "
            "(the benchmark fills it with generated data)."
        )
    t0 = time.perf_counter()
    if data is None:
        data = data_module.build(scale, seed)
    else:
        log("bench: reusing the data already in the database (built earlier by this runner)")
    built = time.perf_counter() - t0
    counts = ", ".join(f"{v:,} {k}" for k, v in data["counts"].items())
    log(f"bench on {connection.vendor}, scale {scale}: {counts}; built in {built:.1f} s")
    log(
        f"{runs} runs per figure after one warm-up; times in ms; ratio = median / floor; "
        "cpu = this process's CPU ms per run\n"
    )
    bench = Bench(runs, log)
    plan: dict[str, Any] = {}

    def custom() -> None:
        plan.update(custom_filter_plan(data))
        log(
            f"\nlead list filtered on custom.{CUSTOM_KEY}: index {plan['index']} "
            f"{'USED' if plan['uses_index'] else 'NOT used'}; "
            f"plan: {' | '.join(plan['plan'].splitlines())}\n"
        )

    def lead_import() -> None:
        with tempfile.TemporaryDirectory(prefix="salesflow-bench-import-") as tmp:
            rows = import_rows or max(500, round(100_000 * scale))
            bench_import(bench, data, rows, Path(tmp))

    steps: list[tuple[str, Callable[[], None]]] = [
        ("pages", lambda: bench_pages(bench, data, scale)),
        ("custom", custom),
        ("reports", lambda: bench_reports(bench, data)),
        ("search", lambda: bench_search(bench, data)),
        ("rescore", lambda: bench_rescore(bench, runs)),
        ("import", lead_import),
    ]
    if scripts:
        steps.append(("demo", lambda: bench_scripts(bench, scale)))
    errors = []
    for name, step in steps:
        if only and name not in only:
            continue
        try:
            step()
        except Exception as error:
            if strict:
                raise
            # One broken figure must not cost the others: say so, go on, fail at the end.
            errors.append({"step": name, "error": f"{type(error).__name__}: {error}"})
            log(f"\n{name}: FAILED, {type(error).__name__}: {str(error)[:300]}\n")
    results = {
        "scale": scale,
        "seed": seed,
        "runs": runs,
        "database": connection.vendor,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_at_end": os.getloadavg(),
        "counts": data["counts"],
        "build_seconds": round(built, 1),
        "build_timings": {k: round(v, 2) for k, v in data["timings"].items()},
        "custom_field_filter": plan,
        "figures": bench.figures,
        "errors": errors,
    }
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"\nresults written to {json_path}")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--json", type=Path, help="default: bench/results/<db>-<scale>.json")
    parser.add_argument("--import-rows", type=int, help="default: 100,000 x scale")
    parser.add_argument("--scripts", action="store_true", help="also run bench/demo_load.py")
    parser.add_argument(
        "--only", help="comma-separated steps: pages,custom,reports,search,rescore,import,demo"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated SQLite file (default: deleted)"
    )
    parser.add_argument(
        "--database",
        type=Path,
        help="SQLite file to build the data into and keep; if it holds data this runner built "
        "earlier, that data is measured again (no rebuild)",
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be greater than 0")

    tmp = None
    if args.database:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.database.resolve()}"
    elif not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="salesflow-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
    media = None
    if not os.environ.get("MEDIA_ROOT"):  # the import's uploads: never into the checkout
        media = tempfile.mkdtemp(prefix="salesflow-bench-media-")
        os.environ["MEDIA_ROOT"] = media
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    json_path = args.json or BENCH / "results" / f"{connection.vendor}-{args.scale:g}.json"
    only = {step.strip() for step in args.only.split(",")} if args.only else None
    try:
        results = run(
            scale=args.scale, runs=args.runs, seed=args.seed, json_path=json_path,
            scripts=args.scripts or bool(only and "demo" in only), import_rows=args.import_rows,
            only=only, reuse=bool(args.database),
        )  # fmt: skip
    finally:
        if media is not None:
            shutil.rmtree(media, ignore_errors=True)
        if tmp is not None:
            connection.close()
            if args.keep:
                print(f"(data kept in {tmp})")
            else:
                for path in tmp.iterdir():
                    path.unlink()
                tmp.rmdir()
    if results["errors"]:
        raise SystemExit(f"bench: {len(results['errors'])} step(s) failed (see above)")


if __name__ == "__main__":
    main()
