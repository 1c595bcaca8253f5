"""Objections: which doubts customers raise, at which stage, and which answers from the shared
library precede won deals.

Objections are selected by the day they were logged. A row's win rate is that of its closed
deals (won / (won + lost), suspended and open deals left out), each deal once however many
objections it had; for a library answer, only deals where it was used before they closed count,
as on the library page (`playbooks.selectors.library_response_win_rates`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet

from salesflow.analytics.figures import rate
from salesflow.analytics.filters import ReportFilters, deals_for_report
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.pipeline.models import WON_OUTCOMES, Outcome, Stage
from salesflow.playbooks.models import (
    DealObjection,
    LibraryResponse,
    ObjectionCategory,
    ObjectionStatus,
)

KEYS = {"category": "category", "stage": "stage", "response": "library_response"}


def objections_reported(viewer: Any, filters: ReportFilters) -> QuerySet[DealObjection]:
    """The objections on the deals the viewer reports on, logged in the period."""
    q = deals_for_report(viewer, filters, by=None, prefix="deal__")
    if filters.date_from is not None:
        q &= Q(logged_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        q &= Q(logged_at__date__lte=filters.date_to)
    return DealObjection.objects.filter(q)


def objections(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    by = options["by"]
    key = KEYS[by]
    logged = objections_reported(viewer, filters)
    counted = logged.exclude(response_given="") if by == "response" else logged
    # For an answer: the deal closed after it was given. For a category or stage: any closed deal.
    before_close = Q(answered_at__lte=F("deal__closed_at")) if by == "response" else Q()
    won = Q(deal__outcome__in=WON_OUTCOMES) & before_close
    lost = Q(deal__outcome=Outcome.LOST) & before_close
    counts = {
        row[key]: row
        for row in counted.values(key)
        .annotate(
            objections=Count("pk"),
            open=Count("pk", filter=Q(status=ObjectionStatus.OPEN)),
            deals=Count("deal", distinct=True),
            won=Count("deal", filter=won, distinct=True),
            lost=Count("deal", filter=lost, distinct=True),
        )
        .order_by()
    }
    total = sum(row["objections"] for row in counts.values())
    names = _names(by, counts.keys())
    rows = []
    order = lambda k: names.get(k, _UNKNOWN)["order"]  # noqa: E731
    if by == "category":  # the most frequent first
        order = lambda k: (-counts[k]["objections"], names.get(k, _UNKNOWN)["order"])  # noqa: E731
    for group in sorted(counts, key=order):
        figures = counts[group]
        name = names.get(group, _UNKNOWN)
        rows.append(
            {
                "key": group,
                "label": name["label"],
                "category": name["category"],
                "objections": figures["objections"],
                "share": rate(figures["objections"], total),
                "open": figures["open"],
                "deals": figures["deals"],
                "won": figures["won"],
                "lost": figures["lost"],
                "win_rate": rate(figures["won"], figures["won"] + figures["lost"]),
            }
        )
    totals = logged.aggregate(
        objections=Count("pk"),
        open=Count("pk", filter=Q(status=ObjectionStatus.OPEN)),
        deals=Count("deal", distinct=True),
    )
    title = {"category": "Category", "stage": "Stage", "response": "Library answer"}[by]
    notes = [
        "Objections logged in the period, on the deals you report on. Win rate: won / (won + "
        "lost) of those deals, whenever they closed; each deal counts once in a row.",
    ]
    if by == "response":
        notes.append(
            "Objections that were answered, by the library answer used (own words: answered "
            "without one). A deal counts for an answer only when it closed after the answer "
            "was given."
        )
    return Report(
        title=f"Objections by {title.lower()}",
        columns=[
            Column("label", title),
            *([Column("category", "Category")] if by != "category" else []),
            Column("objections", "Times used" if by == "response" else "Objections", "int"),
            Column("share", "Share", "rate"),
            Column("open", "Still open", "int"),
            Column("deals", "Deals", "int"),
            Column("won", "Won", "int"),
            Column("lost", "Lost", "int"),
            Column("win_rate", "Win rate", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "objections": totals["objections"],
            "open": totals["open"],
            "deals": totals["deals"],
        },
        summary_labels={
            "objections": "Objections",
            "open": "Still open",
            "deals": "Deals with objections",
        },
        chart=Chart("bar", "label", ["win_rate"] if by == "response" else ["objections"]),
        notes=notes,
    )


_UNKNOWN = {"label": "—", "category": "", "order": (9, 0, "")}


def _names(by: str, keys: Any) -> dict[Any, dict[str, Any]]:
    """Each row's label, category (for stages: none) and sort order."""
    categories = dict(ObjectionCategory.choices)
    if by == "category":
        position = {value: n for n, value in enumerate(ObjectionCategory.values)}
        return {
            key: {
                "label": categories.get(key, key),
                "category": "",
                "order": (0, position[key], ""),
            }
            for key in keys
            if key in position
        }
    if by == "stage":
        stages = Stage.objects.filter(pk__in=list(keys)).values(
            "pk", "name", "position", "pipeline__name"
        )
        several = len({stage["pipeline__name"] for stage in stages}) > 1
        return {
            stage["pk"]: {
                "label": f"{stage['pipeline__name']}: {stage['name']}"
                if several
                else stage["name"],
                "category": "",
                "order": (0, stage["pipeline__name"], stage["position"]),
            }
            for stage in stages
        }
    position = {value: n for n, value in enumerate(ObjectionCategory.values)}
    names = {
        row["pk"]: {
            "label": row["title"],
            "category": categories.get(row["category"], row["category"]),
            "order": (0, position.get(row["category"], 99), row["title"].casefold()),
        }
        for row in LibraryResponse.objects.filter(pk__in=[k for k in keys if k]).values(
            "pk", "title", "category"
        )
    }
    names[None] = {"label": "Own words (no library answer)", "category": "", "order": (1, 0, "")}
    return names


SPEC = report_register(
    ReportSpec(
        slug="objections",
        title="Objections",
        description="How often each kind of objection comes up and at which stage, and the win "
        "rate of the deals where each library answer was used.",
        build=objections,
        options=[
            Option(
                "by",
                "Group by",
                [("category", "Category"), ("stage", "Stage"), ("response", "Library answer")],
                "category",
            )
        ],
        period_means="logged",
        position=50,
    )
)
