"""The Analytics pages: every registered report drawn the same way (filters, chart, table,
CSV link). Views only parse the request and render; reports compute."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from salesflow.analytics.charts import chart_data
from salesflow.analytics.filters import FilterError
from salesflow.analytics.forms import ReportFilterForm
from salesflow.analytics.registry import Report, ReportSpec, report_get, report_run, reports_all
from salesflow.analytics.tables import report_csv_rows
from salesflow.audit.models import AuditAction
from salesflow.audit.services import audit_event_record
from salesflow.core.exports import csv_response
from salesflow.users.policy import require_manager


def reports_for(user: Any) -> list[ReportSpec]:
    """The reports the user may open, in menu order."""
    manager = user.is_admin or user.is_manager
    return [spec for spec in reports_all() if spec.audience == "all" or manager]


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    return redirect("analytics:report", slug=reports_for(request.user)[0].slug)


@login_required
@require_http_methods(["GET"])
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    spec = report_get(slug)
    if spec is None:
        raise Http404(f"There is no report {slug!r}.")
    if spec.audience == "manager":
        require_manager(request.user, what="open this report")
    form = ReportFilterForm(request.GET or None, viewer=request.user, spec=spec)
    report: Report | None = None
    errors: dict[str, str] = {}
    try:
        report = report_run(spec, request.user, request.GET)
    except FilterError as exc:
        errors = exc.errors
        _filter_errors_show(form, errors)
    if report is not None and request.GET.get("format") == "csv":
        return _csv(request, spec, report)
    context = {
        "spec": spec,
        "reports": reports_for(request.user),
        "form": form,
        "report": report,
        "errors": errors,
        "chart": chart_data(report) if report is not None else None,
    }
    status = 400 if errors else 200
    return render(request, spec.template or "analytics/report.html", context, status=status)


def _filter_errors_show(form: ReportFilterForm, errors: dict[str, str]) -> None:
    """Put the parser's words (the API's too) on the filter bar, once each: next to the filter,
    or above the bar naming the filter when the report has no such field (the period of a report
    it does not apply to). Django's own words for the same field ("Select a valid choice") are
    dropped: `filters_parse` decides what is wrong, so the page says it one way only."""
    form.is_valid()
    form.errors.clear()
    for name, text in errors.items():
        if name in form.fields:
            form.add_error(name, text)
        else:
            label = "Period" if name in ("from", "to") else name.replace("_", " ").capitalize()
            form.add_error(None, f"{label}: {text}")


def _csv(request: HttpRequest, spec: ReportSpec, report: Report) -> HttpResponse:
    audit_event_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        request=request,
        details={
            "kind": f"analytics-{spec.slug}",
            "filters": {**report.filters.as_dict(), **report.options},
            "rows": len(report.rows),
        },
    )
    header, rows = report_csv_rows(report)
    return csv_response(f"{spec.slug}-{timezone.localdate():%Y-%m-%d}.csv", header, rows)
