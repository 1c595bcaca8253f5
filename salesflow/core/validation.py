"""What no field may hold, whatever the record: checked at the edges (API bodies and query
strings, forms, the public capture form, imports) so the database never sees it.

- A NUL character: PostgreSQL cannot store it in text (or jsonb), SQLite truncates at it.
- An unpaired UTF-16 surrogate (`"\\ud800"` in JSON): not valid Unicode, so it cannot be
  encoded for either database.
- A moment or date outside `FIRST_YEAR`..`LAST_YEAR`: Python and the databases hold years 1 to
  9999, but a moment at either end overflows when it is shown in another time zone, and a due
  date near 9999 overflows when a cadence is added to it; no sales date lies outside this range.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

FIRST_YEAR = 1900
LAST_YEAR = 2199

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored, or None."""
    if "\x00" in value:
        return "contains a NUL character (\\x00), which cannot be stored."
    if _SURROGATE.search(value):
        return "contains an unpaired surrogate, which is not valid Unicode."
    return None


def moment_problem(value: dt.date) -> str | None:
    """Why this date or moment is out of range, or None (a datetime is also a date)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}."
    return None


def value_problems(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """(field path, problem) for every bad text, date or moment in a value, however nested."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            yield name, problem
    elif isinstance(value, dt.date):
        problem = moment_problem(value)
        if problem:
            yield name, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and text_problem(key):
                yield f"{name}.{key!r}", "has a key that " + str(text_problem(key))
            yield from value_problems(item, f"{name}.{key}")
    elif isinstance(value, list | tuple | set):
        for index, item in enumerate(value):
            yield from value_problems(item, f"{name}[{index}]")
