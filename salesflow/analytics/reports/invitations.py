"""Invitation success: how often customers accept the invitations reps send, per rep, per
reason (the admin-defined invitation reasons) or per team.

An invitation is an activity of type `invitation`; its answer (`invitation_outcome`) is
accepted, declined, no answer or rescheduled, or empty while the customer has not answered.
The success rate is accepted / invitations with an answer: pending ones are left out, a "no
answer" counts as answered (the rep recorded that nobody replied).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from salesflow.activities.models import ActivityType, InvitationOutcome, InvitationReason
from salesflow.analytics.figures import rate
from salesflow.analytics.filters import ReportFilters
from salesflow.analytics.labels import team_labels, user_labels
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.analytics.reports.activity import activities_reported, on_days_q

GROUPS = {"owner": "owner", "reason": "invitation_reason", "team": "team"}
ANSWERS = list(InvitationOutcome.values)


def _labels(by: str, keys: set[Any]) -> dict[Any, str]:
    if by == "owner":
        return user_labels(keys)
    if by == "team":
        return team_labels(keys)
    reasons = InvitationReason.objects.filter(pk__in=[key for key in keys if key is not None])
    return dict(reasons.values_list("pk", "name"))


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    answered = sum(row.get(answer, 0) for answer in ANSWERS)
    return {
        "invitations": row["invitations"],
        "answered": answered,
        **{answer: row.get(answer, 0) for answer in ANSWERS},
        "pending": row["invitations"] - answered,
        "success_rate": rate(row.get(InvitationOutcome.ACCEPTED, 0), answered),
    }


def invitations(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    by = options["by"]
    key = GROUPS[by]
    sent = activities_reported(viewer, filters).filter(
        on_days_q(filters, "created_at"), type=ActivityType.INVITATION
    )
    counts = {
        "invitations": Count("pk"),
        **{answer: Count("pk", filter=Q(invitation_outcome=answer)) for answer in ANSWERS},
    }
    grouped = {row[key]: row for row in sent.values(key).annotate(**counts).order_by()}
    labels = _labels(by, set(grouped))
    nobody = {"owner": "Nobody", "team": "No team", "reason": "No reason"}[by]
    rows = [
        {"key": group, "label": labels.get(group, nobody), **_figures(grouped[group])}
        for group in sorted(grouped, key=lambda k: (k is None, labels.get(k, "").casefold()))
    ]
    totals = _figures({name: sum(row[name] for row in grouped.values()) for name in counts})
    return Report(
        title="Invitations",
        columns=[
            Column("label", {"owner": "Rep", "reason": "Reason", "team": "Team"}[by]),
            Column("invitations", "Invitations", "int"),
            Column("answered", "Answered", "int"),
            Column("accepted", "Accepted", "int"),
            Column("declined", "Declined", "int"),
            Column("no_answer", "No answer", "int"),
            Column("rescheduled", "Rescheduled", "int"),
            Column("pending", "Not answered yet", "int"),
            Column("success_rate", "Success rate", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "invitations": totals["invitations"],
            "accepted": totals["accepted"],
            "answered": totals["answered"],
            "success_rate": totals["success_rate"],
        },
        summary_labels={
            "invitations": "Invitations",
            "accepted": "Accepted",
            "answered": "With an answer",
            "success_rate": "Success rate",
        },
        chart=Chart("bar", "label", ["accepted", "declined", "no_answer", "rescheduled"], True),
        notes=[
            "Invitations: activities of type invitation logged (created) in the period, on the "
            "records you may report on.",
            "Success rate: accepted / invitations with an answer (accepted, declined, no answer "
            "or rescheduled). Invitations not answered yet are left out; a rescheduled one "
            "counts as not accepted until the new invitation is.",
        ],
    )


SPEC = report_register(
    ReportSpec(
        slug="invitations",
        title="Invitations",
        description="How often invitations are accepted, per rep, per reason or per team.",
        build=invitations,
        options=[
            Option(
                "by",
                "Group by",
                [("owner", "Rep"), ("reason", "Reason"), ("team", "Team")],
                "owner",
            )
        ],
        period_means="created",
        position=45,
    )
)
