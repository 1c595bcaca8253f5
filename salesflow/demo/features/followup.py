"""Demo data of this feature (see salesflow/demo/features/__init__.py)."""

from __future__ import annotations

from typing import Any


def populate(builder: Any) -> dict[str, int]:
    return {}
