"""Analytics reports of the flow of deals and leads under /api/v1/analytics/: the funnel, the
lead funnel, velocity and detours (see salesflow.api.routers.analytics for the answer shape)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from salesflow.api.routers.analytics import ANSWERS, AnalyticsQuery, ReportOut, report_answer

router = Router(tags=["analytics"])


# The figures each report answers beside `rows` (the shared ReportOut keeps only its own fields).
class FunnelOut(ReportOut):
    pipeline: str
    deals: int | None = Field(
        None, description="Deals created in the period (not in activity mode)."
    )
    won: int | None = None
    lost: int | None = None
    win_rate: float | None = None


class LeadFunnelOut(ReportOut):
    leads: int
    qualified: int
    converted: int
    won: int
    qualification_rate: float | None
    conversion_rate: float | None
    win_rate: float | None
    lead_to_win: float | None


class VelocityOut(ReportOut):
    won: int
    lost: int
    cycle_days_avg: float | None = Field(description="Days from creation to won, average.")
    cycle_days_median: float | None
    lost_cycle_days_avg: float | None
    lost_cycle_days_median: float | None
    stays: int = Field(description="Stage stays measured.")
    estimated_left_out: int = Field(description="Stays left out: a moment of them was estimated.")


class DetoursOut(ReportOut):
    deals_with_detours: int
    backward_moves: int
    reopened: int
    skipped_stages: int
    repeated_stages: int
    extra_days: float
    estimated_left_out: int


def _answers(schema: type[ReportOut]) -> dict[int, Any]:
    return {**ANSWERS, 200: schema}


@router.get("/analytics/funnel", response=_answers(FunnelOut))
def analytics_funnel(
    request: HttpRequest,
    query: Query[AnalyticsQuery],
    view: str = "stages",
    mode: str = "created",
) -> Any:
    """Per stage of the pipeline (the `pipeline` filter, else the default one): deals that
    `reached` it, `advanced` to a later stage, were `won` from it, `conversion_to_next` and
    `conversion_to_won` (null when no deal reached it). `mode=created` counts deals created in
    the period, `mode=activity` moves into a stage made in the period. `view=cohorts` answers
    one row per month of creation instead: created, won, lost, win_rate."""
    return report_answer(request, "funnel", query, view=view, mode=mode)


@router.get("/analytics/lead-funnel", response=_answers(LeadFunnelOut))
def analytics_lead_funnel(
    request: HttpRequest, query: Query[AnalyticsQuery], by: str = "channel"
) -> Any:
    """Leads created in the period, qualified, converted into a deal and won, with their rates,
    by `channel`, `source` or `source_detail` (the source as given)."""
    return report_answer(request, "lead-funnel", query, by=by)


@router.get("/analytics/velocity", response=_answers(VelocityOut))
def analytics_velocity(
    request: HttpRequest, query: Query[AnalyticsQuery], view: str = "stages"
) -> Any:
    """Deals closed in the period. `view=stages`: rows per stage with `stays`, `avg_days` and
    `median_days` spent in it; `view=trend`: rows per month closed. Beside the rows:
    `cycle_days_avg` and `cycle_days_median` (created to won), `lost_cycle_days_avg` and
    `lost_cycle_days_median`, and `estimated_left_out`, the stays left out because a moment
    of them was estimated."""
    return report_answer(request, "velocity", query, view=view)


@router.get("/analytics/detours", response=_answers(DetoursOut))
def analytics_detours(request: HttpRequest, query: Query[AnalyticsQuery], by: str = "deal") -> Any:
    """Deals created in the period that went backwards, were reopened, skipped or repeated
    stages: rows per deal (`deal_id`, `backward_moves`, `reopened`, `skipped_stages`,
    `repeated_stages`, `extra_days`), or summed `by=stage|owner|pipeline`; the totals beside
    the rows."""
    return report_answer(request, "detours", query, by=by)
