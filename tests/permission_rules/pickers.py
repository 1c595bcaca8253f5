"""Permission rules of the record pickers (see tests/permission_rules/__init__.py).

`search:pick` answers any signed-in user, with only the records they may read: the matrix
fills `<kind>` with the rule's kind and checks a team record of another team's rep is not in
the answer.
"""

from __future__ import annotations

from tests.permission_rules.rule import Rule

PAGE_RULES: dict[str, Rule] = {
    "search:pick": Rule("signed_in", "contact", lists="contact"),
}
