from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    access: str  # signed_in | read | write | admin | manager | own
    kind: str | None = None  # the record kind of the URL's id parameter
    method: str = "GET"
    body: dict[str, Any] = field(default_factory=dict)
    lists: str | None = None  # a list page/operation of this kind: check what it shows
