"""Permission rules of inline edit (docs/editing.md): each field's small form is for the
record's writers; read-only readers get 403, others 404. The refused writes themselves are
tested in salesflow/pipeline/tests/test_inline.py and salesflow/leads/tests/test_inline.py."""

from __future__ import annotations

from tests.permission_rules.rule import Rule

PAGE_RULES: dict[str, Rule] = {
    "pipeline:deal-inline-amount": Rule("write", "deal"),
    "pipeline:deal-inline-expected-close-on": Rule("write", "deal"),
    "pipeline:deal-inline-owner": Rule("write", "deal"),
    "pipeline:deal-inline-stage": Rule("write", "deal"),
    "activities:deal-next-step": Rule("write", "deal"),
    "leads:lead-inline-owner": Rule("write", "lead"),
    "leads:lead-inline-status": Rule("write", "lead"),
}
