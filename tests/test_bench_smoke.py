"""`make bench` as a smoke test: the benchmark runner at scale 0.01 on the test database.

No timing is asserted (CI machines vary); what is asserted is that every figure ran (pages
answer 200 to a rep, a manager and an admin), that each has its floor, that the lead list's
custom-field filter uses the field's index, that the results are written as JSON, and that the
runner refuses a database that already holds records.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _runner():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_bench_runs_at_smoke_scale(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    runner = _runner()
    out = tmp_path / "results.json"
    lines: list[str] = []

    results = runner.run(
        scale=0.01, runs=1, json_path=out, import_rows=300, strict=True, log=lines.append
    )

    assert results["counts"]["leads"] == 1000
    assert results["counts"]["activities"] == 10_000
    figures = results["figures"]
    pages = {(f["figure"], f["who"]) for f in figures if f["group"] == "page"}
    expected = [
        "board",
        "My day",
        "deal list, deep page",
        "lead list, custom field filter",
        "contact list, search",
        "account list, filters",
        "deal page",
        "account page",
    ]
    for page in expected:
        for who in ("rep", "manager", "admin"):
            assert (page, who) in pages
    for figure in figures:
        assert figure["median_ms"] > 0
        if figure["group"] == "page" and figure["floor_ms"] is not None:
            assert figure["queries"] > 0
            assert figure["ratio"] is not None
    groups = {f["group"] for f in figures}
    assert groups >= {"page", "report", "search", "rescore", "import"}
    imported = next(f for f in figures if f["figure"].startswith("import, "))
    assert "300" in imported["message"] or imported["rows_per_s"] > 0
    assert results["custom_field_filter"]["uses_index"], results["custom_field_filter"]["plan"]
    assert json.loads(out.read_text())["figures"] == json.loads(json.dumps(figures))
    assert any(line.startswith("page: board") for line in lines)

    with pytest.raises(SystemExit, match="already holds"):
        runner.run(scale=0.01, runs=1, log=lines.append)
