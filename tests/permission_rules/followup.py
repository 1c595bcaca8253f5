"""Permission rules of this feature (see tests/permission_rules/__init__.py)."""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule

RECORDS: dict[str, Any] = {}
PAGE_RULES: dict[str, Rule] = {}
API_RULES: dict[str, Rule] = {}
ROUTES: list[tuple[str, str]] = []
