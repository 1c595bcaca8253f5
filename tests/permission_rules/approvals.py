"""Permission rules of the quote approvals list (see tests/permission_rules/__init__.py).

The list and its approve/decline buttons are for managers and admins: a rep is refused (403)
before anything is read. Which quotes a manager sees and may decide (their teams' deals, never
their own request) is tested in salesflow/quotes/tests/test_approvals.py.
"""

from __future__ import annotations

from tests.permission_rules.rule import Rule

PAGE_RULES: dict[str, Rule] = {
    "quotes:approvals": Rule("manager"),
    "quotes:approval-approve": Rule("manager", "quote", method="POST"),
    "quotes:approval-decline": Rule("manager", "quote", method="POST", body={"note": "Too deep"}),
}

API_RULES: dict[str, Rule] = {
    "GET /quotes/approvals": Rule("manager"),
}

ROUTES: list[tuple[str, str]] = [
    ("get", "/quotes/approvals"),
]
