"""Small pieces every report uses: safe ratios and amounts grouped by currency.

Amounts are never added across currencies: a money figure is a {currency: amount} mapping
(e.g. {"EUR": "12000.00", "USD": "800.00"}), which the page shows as "EUR 12,000.00 · USD 800.00"
and the API returns as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, FloatField, Func, QuerySet, Sum, Value
from django.db.models.functions import Coalesce


def rate(numerator: int | float | None, denominator: int | float | None) -> float | None:
    """numerator / denominator rounded to 4 places, or None (not 0) when there is nothing to
    divide by: no closed deals has no win rate."""
    if not denominator or numerator is None:
        return None
    return round(numerator / denominator, 4)


def money(amount: Decimal | None) -> str:
    return f"{(amount or Decimal(0)).quantize(Decimal('0.01'))}"


def amounts_by(
    queryset: QuerySet, key: str, *, amount: str = "amount", currency: str = "currency"
) -> dict[Any, dict[str, str]]:
    """Sum `amount` per value of `key` and per currency, in one grouped query:
    {key value: {currency: "total"}}. Rows without an amount add nothing."""
    totals: dict[Any, dict[str, str]] = defaultdict(dict)
    rows = (
        queryset.exclude(**{f"{amount}__isnull": True})
        .values(key, currency)
        .annotate(
            total=Coalesce(
                Sum(amount),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            )
        )
        .order_by()
    )
    for row in rows:
        totals[row[key]][row[currency]] = money(row["total"])
    return totals


def amounts_total(
    queryset: QuerySet, *, amount: str = "amount", currency: str = "currency"
) -> dict[str, str]:
    """Sum `amount` per currency over the whole queryset: {currency: "total"}."""
    rows = (
        queryset.exclude(**{f"{amount}__isnull": True})
        .values(currency)
        .annotate(total=Sum(amount), n=Count("pk"))
        .order_by(currency)
    )
    return {row[currency]: money(row["total"]) for row in rows}


def money_text(amounts: Mapping[str, str] | None) -> str:
    """{currency: amount} as a person reads it."""
    if not amounts:
        return "—"
    return " · ".join(
        f"{currency} {Decimal(value):,.2f}" for currency, value in sorted(amounts.items())
    )


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class DaysBetween(Func):
    """(end - start) in days, as a float, computed by the database on both backends:
    julianday() on SQLite, EXTRACT(EPOCH ...) on PostgreSQL. Aggregate it with Avg/Sum."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra,
        )
