"""Permission rules of the later features, one module per feature, merged into the matrix
(tests/test_permission_matrix.py) and the API's route list (salesflow/api/tests/test_api.py).

Each module may define:
- `RECORDS`: record kind -> `build(name, owner, visibility)` returning the record (set
  `path_ids` on it when the URL names more than one id);
- `PAGE_RULES` and `API_RULES`: as in the matrix (`Rule` comes from `tests.permission_rules.rule`);
- `ROUTES`: the API routes it adds, as `(method, path)` for `EVERY_ROUTE`.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def feature_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name != "rule"
    ]


def merged(attribute: str) -> dict:
    found: dict = {}
    for module in feature_modules():
        part = getattr(module, attribute, {})
        clash = set(found) & set(part)
        assert not clash, f"{module.__name__} repeats {sorted(clash)}"
        found.update(part)
    return found


def routes() -> list[tuple[str, str]]:
    return [route for module in feature_modules() for route in getattr(module, "ROUTES", [])]
