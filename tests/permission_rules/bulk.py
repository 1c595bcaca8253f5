"""Permission rules of the lists' bulk actions (see tests/permission_rules/__init__.py).

The bulk URL is open to every signed-in user: what it may do is decided per record (records
the user cannot read are refused as not found, those they cannot change are refused with the
reason). The per-record rules are tested in salesflow/listviews/tests/test_bulk.py.
"""

from __future__ import annotations

from tests.permission_rules.rule import Rule

_BODY = {"action": "visibility", "ids": "999999"}

PAGE_RULES: dict[str, Rule] = {
    "pipeline:deal-bulk": Rule("signed_in", method="POST", body=_BODY),
    "leads:lead-bulk": Rule("signed_in", method="POST", body=_BODY),
    "customers:account-bulk": Rule("signed_in", method="POST", body=_BODY),
    "customers:contact-bulk": Rule("signed_in", method="POST", body=_BODY),
}
