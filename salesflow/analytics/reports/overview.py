"""The manager's dashboard: the key figures of the teams the viewer reports on, one row a team
(or one row a rep), for deals closed in the period and the pipeline open today."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, Sum

from salesflow.analytics.figures import DaysBetween, money, rate
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
    money_field = DecimalField(max_digits=20, decimal_places=2)
    # Two grouped queries (closed in the period, open today), each one row per group and
    # currency; every figure of the rows and the totals is added up from them here: counts
    # and amounts exactly, days to win as the sum of days over the number of won deals.
    closed_rows = (
        closed.values(key, "currency")
        .annotate(
            won=Count("pk", filter=won),
            lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
            won_days=Sum(DaysBetween(F("closed_at"), F("created_at")), filter=won),
            won_amount=Sum("amount", filter=won, output_field=money_field),
            won_amounts=Count("amount", filter=won),
        )
        .order_by()
    )
    open_rows = (
        open_.values(key, "currency")
        .annotate(
            n=Count("pk"),
            amount_sum=Sum("amount", output_field=money_field),
            amounts=Count("amount"),
        )
        .order_by()
    )
    closed_counts: dict[Any, dict[str, Any]] = {}
    won_amounts: dict[Any, dict[str, Decimal]] = defaultdict(dict)
    for row in closed_rows:
        counts = closed_counts.setdefault(row[key], {"won": 0, "lost": 0, "days": 0.0})
        counts["won"] += row["won"]
        counts["lost"] += row["lost"]
        counts["days"] += row["won_days"] or 0.0
        if row["won_amounts"]:
            won_amounts[row[key]][row["currency"]] = row["won_amount"] or Decimal(0)
    open_counts: dict[Any, int] = defaultdict(int)
    open_amounts: dict[Any, dict[str, Decimal]] = defaultdict(dict)
    for row in open_rows:
        open_counts[row[key]] += row["n"]
        if row["amounts"]:
            open_amounts[row[key]][row["currency"]] = row["amount_sum"] or Decimal(0)
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
                "open_amount": _money(open_amounts.get(group, {})),
                "won": won_n,
                "lost": lost_n,
                "win_rate": rate(won_n, won_n + lost_n),
                "won_amount": _money(won_amounts.get(group, {})),
                "cycle_days_avg": _days(counts["days"] / won_n if won_n else None),
            }
        )
    won_total = sum(counts["won"] for counts in closed_counts.values())
    lost_total = sum(counts["lost"] for counts in closed_counts.values())
    days_total = sum(counts["days"] for counts in closed_counts.values())
    summary = {
        "won": won_total,
        "lost": lost_total,
        "win_rate": rate(won_total, won_total + lost_total),
        "won_amount": _money_total(won_amounts.values()),
        "open_deals": sum(open_counts.values()),
        "open_amount": _money_total(open_amounts.values()),
        "cycle_days_avg": _days(days_total / won_total if won_total else None),
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


def _money(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {currency: money(amount) for currency, amount in amounts.items()}


def _money_total(parts: Any) -> dict[str, str]:
    """{currency: total} over the groups' {currency: amount}, sorted by currency."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amounts in parts:
        for currency, amount in amounts.items():
            totals[currency] += amount
    return {currency: money(totals[currency]) for currency in sorted(totals)}


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
