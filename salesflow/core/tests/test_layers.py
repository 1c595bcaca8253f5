"""The direction of imports between the apps, written down in pyproject.toml's import-linter
contract (core <- users <- audit <- customers <- leads <- pipeline <- activities <- the rest)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(checkout: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the `salesflow` package of `checkout` with its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """The Python files of the package and the contract, copied where a test may change them."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "salesflow",
        tmp_path / "salesflow",
        ignore=shutil.ignore_patterns("static", "templates", "__pycache__", "*.html", "*.css"),
    )
    return tmp_path


def test_the_apps_import_in_one_direction_only():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def add_import(module: Path, line: str) -> None:
    text = module.read_text()
    module.write_text(
        text.replace(
            "from __future__ import annotations\n",
            f"from __future__ import annotations\n\n{line}\n",
            1,
        )
    )


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("core/models.py", "pipeline.models"),  # the ground reaching up into a domain app
        ("users/policy.py", "customers.models"),  # people and access knowing about customers
        (
            "pipeline/views.py",
            "quotes.selectors",
        ),  # a page not drawing a panel through the registry
        ("customers/views.py", "pages.views"),  # a domain app reaching a page of several apps
    ],
)
def test_a_forbidden_import_breaks_the_contract(checkout_copy, module, target):
    add_import(checkout_copy / "salesflow" / module, f"import salesflow.{target}")
    result = lint_imports(checkout_copy)
    importer, imported = module.split("/")[0], target.split(".")[0]
    assert result.returncode != 0
    assert f"salesflow.{importer} is not allowed to import salesflow.{imported}" in result.stdout
    assert "0 kept, 1 broken" in result.stdout
