"""Permission rules of saved import mappings (see tests/permission_rules/__init__.py).

A saved mapping is an owned record (issue #14, point 4): read and changed like any other (own,
team-shared, a manager's teams, admins). The shipped presets are files, open to every user.
"""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule


def _import_mapping(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.imports.models import ImportMapping

    return ImportMapping.objects.create(
        name=name, kind="leads", owner=owner, team=owner.teams.first(), visibility=visibility,
        definition={"kind": "leads", "columns": {"Email": "email", "Name": "last_name"}},
    )  # fmt: skip


RECORDS: dict[str, Any] = {"import_mapping": _import_mapping}

API_RULES: dict[str, Rule] = {
    "GET /imports/mappings": Rule("signed_in", lists="import_mapping"),
    "POST /imports/mappings": Rule(
        "signed_in",
        method="POST",
        body={
            "name": "New mapping",
            "kind": "leads",
            "definition": {"columns": {"Email": "email", "Name": "last_name"}},
        },
    ),
    "GET /imports/mappings/{mapping_id}": Rule("read", "import_mapping"),
    "PATCH /imports/mappings/{mapping_id}": Rule(
        "write", "import_mapping", "PATCH", {"visibility": "team"}
    ),
}

ROUTES: list[tuple[str, str]] = [
    (key.split(" ", 1)[0].lower(), key.split(" ", 1)[1]) for key in API_RULES
]
