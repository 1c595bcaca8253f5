"""Demo data of the follow-up features, one module per feature, each run after the core demo.

Each module defines `populate(builder) -> dict[str, int]`: it adds its records using the
builder's users, teams, companies (`builder.companies`), contacts, deals, `builder.rng` and
`builder.now`, and answers counts for the demo's summary. Runs inside the demo's transaction.
"""

from __future__ import annotations

import importlib
from typing import Any

FEATURES = ("activities", "followup", "outreach", "coaching", "referrals", "quotes")


def features_populate(builder: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in FEATURES:
        module = importlib.import_module(f"{__name__}.{name}")
        counts.update(module.populate(builder))
    return counts
