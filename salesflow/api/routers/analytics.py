"""Analytics: every registered report as JSON under /api/v1/analytics/<slug>.

Each answer is `{"rows": [...], "filters": {...}, ...summary, "notes": [...]}` built from the
same `Report` as the page and the CSV. Money figures are `{currency: "amount"}` objects.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from salesflow.analytics.filters import FilterError
from salesflow.analytics.registry import report_get, report_run, reports_all
from salesflow.api.schemas import READ_ERRORS, DetailOut
from salesflow.core.errors import AccessDenied

router = Router(tags=["analytics"])


class AnalyticsQuery(Schema):
    """The filters every report takes; a report's own options (e.g. `by`) come beside them.

    Custom fields filter too, as on the lists: `custom.<key>=value`, `custom.<key>__gte=`,
    `__lte=`, `__in=a,b`, `__isnull=true` (deal fields for deal reports, lead fields for lead
    reports); win rates also group by a deal custom field (`by=custom.<key>`)."""

    date_from: str | None = Field(
        None,
        alias="from",
        description="First day (YYYY-MM-DD), inclusive. Which date it applies to is the report's.",
    )
    date_to: str | None = Field(None, alias="to", description="Last day (YYYY-MM-DD), inclusive.")
    pipeline: int | None = None
    team: int | None = Field(None, description="A team id; its sub-teams are included.")
    owner: int | None = Field(None, description="A user id (see GET /api/v1/users).")
    channel: str | None = Field(None, description="inbound or outbound.")
    source: str | None = None


class ReportOut(BaseModel):
    # A plain pydantic model, not a ninja Schema: a Schema reads its input through attribute
    # access, which drops the extra keys, and the summary figures come as extra keys.
    rows: list[dict[str, Any]]
    filters: dict[str, Any]
    notes: list[str] = []

    model_config = {"extra": "allow"}


class ReportInfo(Schema):
    slug: str
    title: str
    description: str
    period_means: str
    options: dict[str, list[str]]


def report_answer(request: HttpRequest, slug: str, query: AnalyticsQuery, **options: Any) -> Any:
    """Run a report for the API caller; a filter that cannot be applied is a 422 naming it."""
    spec = report_get(slug)
    if spec is None:
        raise HttpError(404, f"There is no report {slug!r}.")
    if spec.audience == "manager" and not (request.auth.is_admin or request.auth.is_manager):
        raise AccessDenied("Only a manager or an admin may read this report.")
    params = {
        "from": query.date_from,
        "to": query.date_to,
        "pipeline": query.pipeline,
        "team": query.team,
        "owner": query.owner,
        "channel": query.channel,
        "source": query.source,
        **{key: value for key, value in options.items() if value is not None},
        # Custom field filters (`custom.<key>=`, `custom.<key>__gte=`, ...), as on the lists.
        **{key: value for key, value in request.GET.items() if key.startswith("custom.")},
    }
    try:
        report = report_run(spec, request.auth, params)
    except FilterError as exc:
        detail = [
            {"loc": ["query", name], "msg": text, "type": "value_error"}
            for name, text in exc.errors.items()
        ]
        return Status(422, {"detail": detail})
    return report.as_json()


ANSWERS = {200: ReportOut, **READ_ERRORS, 403: DetailOut}


@router.get("/analytics", response={200: list[ReportInfo], **READ_ERRORS})
def analytics_reports(request: HttpRequest) -> Any:
    """The reports there are, with the options each takes."""
    manager = request.auth.is_admin or request.auth.is_manager
    return [
        {
            "slug": spec.slug,
            "title": spec.title,
            "description": spec.description,
            "period_means": spec.period_means,
            "options": {
                option.name: [c for c, _ in option.all_choices()] for option in spec.options
            },
        }
        for spec in reports_all()
        if spec.audience == "all" or manager
    ]


@router.get("/analytics/overview", response=ANSWERS)
def analytics_overview(request: HttpRequest, query: Query[AnalyticsQuery], by: str = "team") -> Any:
    """Key figures per team (`by=team`) or per rep (`by=owner`): open deals and pipeline,
    won, lost, win rate, won amount, average days to win. Deals closed in the period."""
    return report_answer(request, "overview", query, by=by)
