"""Analytics reports under /api/v1/analytics/ (see salesflow.api.routers.analytics): win rates,
source ROI, activity efficiency and objections. Same filters, same answers as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from salesflow.api.routers.analytics import ANSWERS, AnalyticsQuery, report_answer

router = Router(tags=["analytics"])


@router.get("/analytics/win-rates", response=ANSWERS)
def analytics_win_rates(
    request: HttpRequest, query: Query[AnalyticsQuery], by: str = "owner"
) -> Any:
    """Won against lost deals closed in the period, one row per `by` (owner, team, source,
    channel, industry, region, tier, competitor, product): `key`, `label`, `closed`, `won`,
    `lost`, `suspended`, `win_rate` (won / (won + lost), null without such deals) and
    `won_amount` ({currency: amount}). `by=lost_reason` gives one row per reason instead:
    `key`, `label`, `lost`, `suspended`, `share`, `lost_amount`."""
    return report_answer(request, "win-rates", query, by=by)


@router.get("/analytics/sources", response=ANSWERS)
def analytics_sources(
    request: HttpRequest, query: Query[AnalyticsQuery], by: str = "source"
) -> Any:
    """Leads created in the period per `by` (source, channel, campaign) and what came of them:
    `channel`, `source`, `leads`, `qualified`, `deals`, `won`, `won_amount`, `cost` (the
    campaigns' cost, each campaign once per row), `cost_per_lead`, `cost_per_won` (money per
    currency, null when there is no cost or nothing to divide by) and `roi` ((won amount - cost)
    / cost in the site currency, null when nothing was spent in it)."""
    return report_answer(request, "sources", query, by=by)


@router.get("/analytics/activity", response=ANSWERS)
def analytics_activity(
    request: HttpRequest, query: Query[AnalyticsQuery], by: str = "owner"
) -> Any:
    """Per rep (`by=owner`) or team: won deals, `activities_per_won`, activities done,
    new leads and `first_contact_hours_avg`, and overdue follow-ups (open today)."""
    return report_answer(request, "activity", query, by=by)


@router.get("/analytics/objections", response=ANSWERS)
def analytics_objections(
    request: HttpRequest, query: Query[AnalyticsQuery], by: str = "category"
) -> Any:
    """Objections logged in the period per `by` (category, stage, response): `objections`,
    `share`, `open`, `deals`, and `won`, `lost`, `win_rate` of those deals; for
    `by=response`, per library answer used (key null: answered in own words)."""
    return report_answer(request, "objections", query, by=by)
