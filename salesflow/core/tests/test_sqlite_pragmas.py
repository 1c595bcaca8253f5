"""SQLite's connection settings: the page cache and memory map an admin sets by environment.

Settings read the environment once, so each case runs a fresh process against a scratch file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    print(*(cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("cache_size", "mmap_size", "journal_mode")))
"""


def _pragmas(tmp_path: Path, **env: str) -> list[str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SQLITE_CACHE_MB", "SQLITE_MMAP_MB"}
    }
    environ |= {
        "DJANGO_SETTINGS_MODULE": "salesflow.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # 64 MB by default (SQLite's own default is 2 MB: -2000), no memory map.
        ({}, ["-65536", "0", "wal"]),
        ({"SQLITE_CACHE_MB": "8", "SQLITE_MMAP_MB": "256"}, ["-8192", "268435456", "wal"]),
    ],
)
def test_the_page_cache_and_memory_map_follow_the_environment(tmp_path, env, expected):
    assert _pragmas(tmp_path, **env) == expected
