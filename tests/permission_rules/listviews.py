"""Permission rules of saved views (see tests/permission_rules/__init__.py).

A saved view is read like an owned record (its owner, teammates when shared with the team, the
team's managers, admins). Only its owner, a manager of its team and admins change or delete
it, never a teammate it is shared with: the "own" rules are checked on a view of no team, so
only its owner and admins may change it (the team manager's right and the teammate's refusal
are tested in salesflow/listviews/tests).
"""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule


def _view(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.listviews.models import SavedView

    shared = "private" if visibility == "private" else "team"
    return SavedView.objects.create(
        owner=owner, team=owner.teams.first(), visibility=shared, list_key="deal", name=name,
        query="q=Zebrafinch",
    )  # fmt: skip


def _teamless_view(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.listviews.models import SavedView

    return SavedView.objects.create(
        owner=owner, team=None, visibility="private", list_key="deal", name=name
    )


RECORDS: dict[str, Any] = {"saved_view": _view, "saved_view_own": _teamless_view}

PAGE_RULES: dict[str, Rule] = {
    "customers:saved-view-save": Rule(
        "signed_in", method="POST", body={"list": "deal", "name": "Mine", "query": "q=x"}
    ),
    "customers:saved-view-apply": Rule("read", "saved_view"),
    "customers:saved-view-edit": Rule(
        "own", "saved_view_own", method="POST", body={"name": "Renamed"}
    ),
    "customers:saved-view-delete": Rule("own", "saved_view_own", method="POST"),
}

API_RULES: dict[str, Rule] = {
    "GET /saved-views": Rule("signed_in", lists="saved_view"),
    "POST /saved-views": Rule(
        "signed_in", method="POST", body={"list_key": "deal", "name": "Mine", "query": "q=x"}
    ),
    "GET /saved-views/{view_id}": Rule("read", "saved_view"),
    "PATCH /saved-views/{view_id}": Rule("own", "saved_view_own", "PATCH", {"name": "Renamed"}),
    "DELETE /saved-views/{view_id}": Rule("own", "saved_view_own", "DELETE"),
}

ROUTES: list[tuple[str, str]] = [
    ("get", "/saved-views"),
    ("post", "/saved-views"),
    ("get", "/saved-views/{view_id}"),
    ("patch", "/saved-views/{view_id}"),
    ("delete", "/saved-views/{view_id}"),
]
