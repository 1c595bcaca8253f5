"""Permission rules of the global search (salesflow/search): the search page, whose results for
the marker's name must show a team deal to its readers only, and the search API (its access
policy per persona is tested in salesflow/search/tests)."""

from __future__ import annotations

from tests.permission_rules.rule import Rule

PAGE_RULES: dict[str, Rule] = {
    "search:search": Rule("signed_in", body={"q": "zebrafinch"}, lists="deal"),
}

API_RULES: dict[str, Rule] = {
    "GET /search": Rule("signed_in"),
}

ROUTES: list[tuple[str, str]] = [("get", "/search")]
