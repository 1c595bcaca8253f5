"""A deal's next step: the open activities it has and when the earliest is due (the counting
lives in `salesflow.pipeline.next_steps`, so the pipeline can recount where it moves activities).

Kept on the deal (`Deal.open_activity_count`, `Deal.next_activity_at`) so the board, the deal
list and My day flag deals with no next step or an overdue one without reading activities.
"""

from __future__ import annotations

from salesflow.pipeline.next_steps import deals_next_step_refresh, deals_next_step_refresh_all

__all__ = ["deals_next_step_refresh", "deals_next_step_refresh_all"]
