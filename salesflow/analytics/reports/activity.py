"""Activity efficiency, per rep (or team): how much work a won deal takes, how fast new leads
hear from us, and how many follow-ups are late.

Each figure takes its own date from the period: deals by the day they were won, activities by
the day they were done, leads by the day they came in. Overdue follow-ups are those open today.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.analytics.figures import DaysBetween, rate
from salesflow.analytics.filters import (
    BY_CLOSED,
    ReportFilters,
    deals_reported,
    leads_reported,
    report_scope_q,
)
from salesflow.analytics.labels import team_labels, user_labels
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.leads.selectors import moment_on_days_q
from salesflow.pipeline.models import WON_OUTCOMES

# Invitations have their own report (reports/invitations.py): success rate per rep and reason.
INVITATIONS_NOTE = "Invitation success rates per rep and per reason: see the Invitations report."


def activities_reported(viewer: Any, filters: ReportFilters) -> QuerySet[Activity]:
    """The activities a report counts: the viewer's scope, narrowed by the team and rep
    filters; the pipeline, channel and source filters keep activities on a deal of that
    pipeline, or on a lead (or a deal from a lead) of that channel and source. No period."""
    q = report_scope_q(viewer)
    if filters.team is not None:
        q &= Q(team__in=filters.team_ids)
    if filters.owner is not None:
        q &= Q(owner=filters.owner)
    if filters.pipeline is not None:
        q &= Q(deal__pipeline=filters.pipeline)
    for name in ("channel", "source"):
        if value := getattr(filters, name):
            q &= Q(**{f"lead__{name}": value}) | Q(**{f"deal__lead__{name}": value})
    return Activity.objects.filter(q)


def on_days_q(filters: ReportFilters, path: str) -> Q:
    """Activities whose moment `path` falls on the report's days (bounds on the column)."""
    return moment_on_days_q(path, start=filters.date_from, end=filters.date_to)


def _grouped(queryset: QuerySet, key: str, **figures: Any) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in queryset.values(key).annotate(**figures).order_by()}


def activity(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    key = options["by"]  # "owner" or "team": the same column on deals, activities and leads
    now = timezone.now()
    won = deals_reported(viewer, filters, by=BY_CLOSED).filter(outcome__in=WON_OUTCOMES)
    activities = activities_reported(viewer, filters)
    done = activities.filter(done_at__isnull=False)
    leads = leads_reported(viewer, filters)
    contacted = Q(first_response_at__isnull=False)
    response_days = DaysBetween(F("first_response_at"), F("created_at"))

    won_counts = _grouped(won, key, won=Count("pk"))
    # Done activities on the won deals, counted for the deal's owner (or team) whoever did them.
    on_won = _grouped(
        Activity.objects.filter(deal__in=won.values("pk"), done_at__isnull=False),
        f"deal__{key}",
        activities_on_won=Count("pk"),
    )
    done_counts = _grouped(
        done.filter(on_days_q(filters, "done_at")), key, activities_done=Count("pk")
    )
    overdue = _grouped(
        activities.filter(done_at__isnull=True, due_at__lt=now), key, overdue=Count("pk")
    )
    lead_figures = _grouped(
        leads,
        key,
        leads=Count("pk"),
        leads_contacted=Count("pk", filter=contacted),
        response=Avg(response_days, filter=contacted),
    )
    parts = [won_counts, done_counts, overdue, lead_figures]
    keys = set(on_won).union(*parts)
    labels = user_labels(keys) if key == "owner" else team_labels(keys)
    rows = []
    for group in sorted(keys, key=lambda k: (k is None, labels.get(k, "").casefold())):
        won_n = won_counts.get(group, {}).get("won", 0)
        on_won_n = on_won.get(group, {}).get("activities_on_won", 0)
        lead_row = lead_figures.get(group, {})
        rows.append(
            {
                "key": group,
                "label": labels.get(group, "Nobody" if key == "owner" else "No team"),
                "won": won_n,
                "activities_on_won": on_won_n,
                "activities_per_won": _one_place(rate(on_won_n, won_n)),
                "activities_done": done_counts.get(group, {}).get("activities_done", 0),
                "leads": lead_row.get("leads", 0),
                "leads_contacted": lead_row.get("leads_contacted", 0),
                "first_contact_hours_avg": _hours(lead_row.get("response")),
                "overdue": overdue.get(group, {}).get("overdue", 0),
            }
        )
    won_total = won.count()
    on_won_total = Activity.objects.filter(deal__in=won.values("pk"), done_at__isnull=False)
    lead_totals = leads.aggregate(
        leads=Count("pk"),
        contacted=Count("pk", filter=contacted),
        response=Avg(response_days, filter=contacted),
    )
    summary = {
        "won": won_total,
        "activities_per_won": _one_place(rate(on_won_total.count(), won_total)),
        "activities_done": done.filter(on_days_q(filters, "done_at")).count(),
        "first_contact_hours_avg": _hours(lead_totals["response"]),
        "leads_not_contacted": lead_totals["leads"] - lead_totals["contacted"],
        "overdue": activities.filter(done_at__isnull=True, due_at__lt=now).count(),
    }
    return Report(
        title="Activity efficiency",
        columns=[
            Column("label", "Rep" if key == "owner" else "Team"),
            Column("won", "Won deals", "int"),
            Column("activities_on_won", "Activities on won deals", "int"),
            Column("activities_per_won", "Activities per won deal", "number"),
            Column("activities_done", "Activities done", "int"),
            Column("leads", "New leads", "int"),
            Column("leads_contacted", "Contacted", "int"),
            Column("first_contact_hours_avg", "Hours to first contact (avg)", "number"),
            Column("overdue", "Overdue follow-ups", "int"),
        ],
        rows=rows,
        filters=filters,
        summary=summary,
        summary_labels={
            "won": "Won deals",
            "activities_per_won": "Activities per won deal",
            "activities_done": "Activities done",
            "first_contact_hours_avg": "Hours to first contact (average)",
            "leads_not_contacted": "New leads not contacted yet",
            "overdue": "Overdue follow-ups",
        },
        chart=Chart("bar", "label", ["activities_per_won", "overdue"]),
        notes=[
            "Activities per won deal: the done activities recorded on the deals won in the "
            "period (whoever did them), divided by those deals; none without a won deal.",
            "Activities done: those done in the period. Hours to first contact: from a lead's "
            "arrival to the first call, email, meeting, visit or demo done with it, for the leads "
            "created in the period that were contacted.",
            "Overdue follow-ups: activities not done whose due time has passed, today.",
            INVITATIONS_NOTE,
        ],
    )


def _one_place(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _hours(days: float | None) -> float | None:
    return None if days is None else round(days * 24, 1)


SPEC = report_register(
    ReportSpec(
        slug="activity",
        title="Activity efficiency",
        description="Activities per won deal, time from a lead's arrival to the first contact, "
        "and overdue follow-ups, per rep or team.",
        build=activity,
        options=[Option("by", "Group by", [("owner", "Rep"), ("team", "Team")], "owner")],
        period_means="closed",
        position=40,
    )
)
