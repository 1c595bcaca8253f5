"""The forecast reports under /api/v1/analytics/ (see salesflow.api.routers.analytics)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from salesflow.api.auth import MANAGER_ONLY
from salesflow.api.routers.analytics import ANSWERS, AnalyticsQuery, report_answer

router = Router(tags=["analytics"])


@router.get("/analytics/forecast", response=ANSWERS)
def analytics_forecast(request: HttpRequest, query: Query[AnalyticsQuery]) -> Any:
    """Open deals by expected close month (`month` "YYYY-MM", null for deals without a date):
    `deals`, `weighted_amount` (amount x stage probability) and `learned_amount` (amount x
    the learned win probability; null while no model is trained, with a note saying why),
    amounts as {currency: "amount"}. The period (`from`, `to`) applies to the expected close
    date."""
    return report_answer(request, "forecast", query)


@router.get("/analytics/forecast-backtest", response=ANSWERS, auth=MANAGER_ONLY)
def analytics_forecast_backtest(
    request: HttpRequest, query: Query[AnalyticsQuery], kind: str = "deal"
) -> Any:
    """Managers and admins: the newest model's backtest on the newest quarter of closed deals
    (`kind=deal`) or finished leads (`kind=lead`): `auc`, `brier`, the baseline's, and the
    calibration table as `rows`."""
    return report_answer(request, "forecast-backtest", query, kind=kind)
