"""Permission rules of the deal page's parts read on demand (issue #10 point 4, the deal page
under 15 queries; see tests/permission_rules/__init__.py)."""

from __future__ import annotations

from tests.permission_rules.rule import Rule

PAGE_RULES: dict[str, Rule] = {
    # The change history, read when "Show change history" is opened: whoever reads the deal.
    "pipeline:deal-history": Rule("read", "deal"),
}
