"""The weighted pipeline: open deals by the month they are expected to close, each deal's amount
weighted by its stage's probability (summed by the database), and beside it by the win
probability learned from the organisation's own closed deals (salesflow.analytics.forecast)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth

from salesflow.analytics.figures import money
from salesflow.analytics.filters import ReportFilters, deals_reported
from salesflow.analytics.forecast.services import deal_predictions, model_state
from salesflow.analytics.models import ModelKind
from salesflow.analytics.registry import Chart, Column, Report, ReportSpec, report_register
from salesflow.pipeline.models import Outcome

NO_DATE = "No date"


def open_deals(viewer: Any, filters: ReportFilters) -> Any:
    """The open deals the viewer may count, the period applying to the expected close date (a
    deal without one is counted only when no period is chosen)."""
    deals = deals_reported(viewer, filters, by=None).filter(outcome=Outcome.OPEN)
    if filters.date_from is not None:
        deals = deals.filter(expected_close_on__gte=filters.date_from)
    if filters.date_to is not None:
        deals = deals.filter(expected_close_on__lte=filters.date_to)
    return deals


def _by_month(
    deals: Any,
) -> tuple[dict[dt.date | None, int], dict[dt.date | None, dict[str, str]], dict[str, str]]:
    """In one grouped query (a row per month and currency): the deals per month, the weighted
    amount per month and currency (amount x the stage's probability), and the open amount per
    currency."""
    product = ExpressionWrapper(
        F("amount") * F("stage__probability"),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    money_field = DecimalField(max_digits=20, decimal_places=2)
    rows = (
        deals.annotate(month=TruncMonth("expected_close_on"))
        .values("month", "currency")
        .annotate(
            n=Count("pk"),
            amounts=Count("amount"),
            weighted=Sum(product),
            amount_sum=Sum("amount", output_field=money_field),
        )
        .order_by()
    )
    counts: dict[dt.date | None, int] = defaultdict(int)
    weighted: dict[dt.date | None, dict[str, str]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        counts[row["month"]] += row["n"]
        if row["amounts"]:  # deals without an amount add no currency
            weighted[row["month"]][row["currency"]] = money(Decimal(row["weighted"] or 0) / 100)
            totals[row["currency"]] += row["amount_sum"] or Decimal(0)
    return dict(counts), weighted, {c: money(totals[c]) for c in sorted(totals)}


def _learned(deals: Any, predictions: dict[int, Any]) -> dict[dt.date | None, dict[str, str]]:
    """learned probability x amount per month and currency (the probabilities come from the
    model, so the products are added here; one query reads the amounts)."""
    sums: dict[dt.date | None, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = deals.exclude(amount__isnull=True).values_list(
        "pk", "expected_close_on", "amount", "currency"
    )
    for pk, close_on, amount, currency in rows:
        month = close_on.replace(day=1) if close_on else None
        probability = Decimal(str(predictions[pk].probability))
        sums[month][currency] += Decimal(amount) * probability
    return {month: {c: money(v) for c, v in by.items()} for month, by in sums.items()}


def forecast(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    deals = open_deals(viewer, filters)
    state = model_state(ModelKind.DEAL)
    counts, weighted, open_amount = _by_month(deals)
    learned = None
    if state.learned is not None:
        learned = _learned(deals, deal_predictions(deals, state=state))
    rows = []
    for month in sorted(counts, key=lambda m: (m is None, m or dt.date.min)):
        rows.append(
            {
                "month": month.strftime("%Y-%m") if month else None,
                "label": month.strftime("%B %Y") if month else NO_DATE,
                "deals": counts[month],
                "weighted_amount": weighted.get(month, {}),
                "learned_amount": None if learned is None else learned.get(month, {}),
            }
        )
    summary: dict[str, Any] = {
        "deals": sum(counts.values()),
        "open_amount": open_amount,
        "weighted_amount": _total(row["weighted_amount"] for row in rows),
        "learned_amount": None if learned is None else _total(r["learned_amount"] for r in rows),
        "model_trained_at": state.row.trained_at.isoformat() if state.learned else None,
    }
    notes = [
        "Open deals by expected close month. Weighted amount: amount x the probability of the "
        "deal's stage. Learned amount: amount x the win probability learned from the "
        "organisation's own closed deals (docs/forecast.md). Deals without an amount count as "
        "deals but add no amount; amounts are never added across currencies.",
    ]
    if state.note:
        notes.append(state.note)
    else:
        notes.append(
            f"The learned model was trained on {state.row.n_train} closed deals on "
            f"{state.row.trained_at:%Y-%m-%d}; see Forecast backtest for how well it did."
        )
    return Report(
        title="Weighted pipeline",
        columns=[
            Column("label", "Expected close"),
            Column("deals", "Open deals", "int"),
            Column("weighted_amount", "Weighted (stage probability)", "money"),
            Column("learned_amount", "Weighted (learned probability)", "money"),
        ],
        rows=rows,
        filters=filters,
        summary=summary,
        summary_labels={
            "deals": "Open deals",
            "open_amount": "Open pipeline",
            "weighted_amount": "Weighted (stage probability)",
            "learned_amount": "Weighted (learned probability)",
            "model_trained_at": "Model trained",
        },
        chart=Chart("bar", "label", ["deals"]),
        notes=notes,
    )


def _total(parts: Any) -> dict[str, str]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amounts in parts:
        for currency, value in (amounts or {}).items():
            totals[currency] += Decimal(value)
    return {currency: money(value) for currency, value in sorted(totals.items())}


SPEC = report_register(
    ReportSpec(
        slug="forecast",
        title="Forecast",
        description="Open deals by expected close month, weighted by stage probability and by "
        "the win probability learned from your closed deals.",
        build=forecast,
        period_means="expected close",
        template="analytics/forecast.html",
        position=40,
    )
)
