"""Permission rules of quick add and the keyboard shortcuts page (pages/views_quickadd.py): both
are open to every signed-in user; what quick add creates goes through the create services, and
the records it offers or attaches to are the readable ones (pages/tests/test_quick_add.py)."""

from __future__ import annotations

from tests.permission_rules.rule import Rule

PAGE_RULES: dict[str, Rule] = {
    "pages:quick-add": Rule("signed_in"),
    "pages:shortcuts": Rule("signed_in"),
}
