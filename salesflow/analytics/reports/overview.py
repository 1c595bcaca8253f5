"""The manager's dashboard: the key figures of the teams the viewer reports on, one row a team
(or one row a rep), for deals closed in the period and the pipeline open today."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, Q

from salesflow.analytics.figures import DaysBetween, amounts_by, amounts_total, rate
from salesflow.analytics.filters import BY_CLOSED, ReportFilters, deals_reported
from salesflow.analytics.labels import team_labels, user_labels
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.pipeline.models import WON_OUTCOMES, Outcome

GROUPS = {"team": ("team", "team__name"), "owner": ("owner", None)}


def overview(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    key, _ = GROUPS[options["by"]]
    closed = deals_reported(viewer, filters, by=BY_CLOSED).exclude(outcome=Outcome.OPEN)
    open_ = deals_reported(viewer, filters, by=None).filter(outcome=Outcome.OPEN)
    won = Q(outcome__in=WON_OUTCOMES)
    closed_counts = {
        row[key]: row
        for row in closed.values(key)
        .annotate(
            won=Count("pk", filter=won),
            lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
            cycle=Avg(DaysBetween(F("closed_at"), F("created_at")), filter=won),
        )
        .order_by()
    }
    open_counts = {
        row[key]: row["n"] for row in open_.values(key).annotate(n=Count("pk")).order_by()
    }
    won_amounts = amounts_by(closed.filter(won), key)
    open_amounts = amounts_by(open_, key)
    keys = set(closed_counts) | set(open_counts)
    labels = (team_labels if options["by"] == "team" else user_labels)(keys)
    rows = []
    for group in sorted(keys, key=lambda k: (k is None, labels.get(k, ""))):
        counts = closed_counts.get(group, {})
        won_n, lost_n = counts.get("won", 0), counts.get("lost", 0)
        rows.append(
            {
                "key": group,
                "label": labels.get(group, "No team" if options["by"] == "team" else "Nobody"),
                "open_deals": open_counts.get(group, 0),
                "open_amount": open_amounts.get(group, {}),
                "won": won_n,
                "lost": lost_n,
                "win_rate": rate(won_n, won_n + lost_n),
                "won_amount": won_amounts.get(group, {}),
                "cycle_days_avg": _days(counts.get("cycle")),
            }
        )
    totals = closed.aggregate(
        won=Count("pk", filter=won),
        lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
        cycle=Avg(DaysBetween(F("closed_at"), F("created_at")), filter=won),
    )
    summary = {
        "won": totals["won"],
        "lost": totals["lost"],
        "win_rate": rate(totals["won"], totals["won"] + totals["lost"]),
        "won_amount": amounts_total(closed.filter(won)),
        "open_deals": open_.count(),
        "open_amount": amounts_total(open_),
        "cycle_days_avg": _days(totals["cycle"]),
    }
    return Report(
        title="Overview",
        columns=[
            Column("label", "Team" if options["by"] == "team" else "Rep"),
            Column("open_deals", "Open deals", "int"),
            Column("open_amount", "Open pipeline", "money"),
            Column("won", "Won", "int"),
            Column("lost", "Lost", "int"),
            Column("win_rate", "Win rate", "rate"),
            Column("won_amount", "Won amount", "money"),
            Column("cycle_days_avg", "Days to win (avg)", "days"),
        ],
        rows=rows,
        filters=filters,
        summary=summary,
        summary_labels={
            "won": "Won deals",
            "lost": "Lost deals",
            "win_rate": "Win rate",
            "won_amount": "Won amount",
            "open_deals": "Open deals",
            "open_amount": "Open pipeline",
            "cycle_days_avg": "Days to win (average)",
        },
        chart=Chart("bar", "label", ["won", "lost"], stacked=True),
        notes=[
            "Won, lost, win rate and days to win count deals closed in the period; open deals "
            "are those open today. Win rate is won / (won + lost); suspended deals are left out.",
        ],
    )


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


SPEC = report_register(
    ReportSpec(
        slug="overview",
        title="Overview",
        description="Key figures of your teams: open pipeline, won and lost deals, win rate, "
        "won amount and days to win.",
        build=overview,
        options=[Option("by", "Group by", [("team", "Team"), ("owner", "Rep")], "team")],
        period_means="closed",
        position=0,
    )
)
