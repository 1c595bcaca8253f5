"""Demo data of the activity features (see salesflow/demo/features/__init__.py)."""

from __future__ import annotations

from typing import Any

from salesflow.activities.next_steps import deals_next_step_refresh_all


def populate(builder: Any) -> dict[str, int]:
    # The demo bulk-creates its activities: count each deal's next step once they are in.
    deals_next_step_refresh_all()
    return {}
