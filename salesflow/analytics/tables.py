"""A report's rows as a person reads them: the page's table cells and the CSV's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from salesflow.analytics.figures import money_text, percent_text
from salesflow.analytics.registry import Column, Report


def cell_text(column: Column, value: Any) -> str:
    if column.kind == "money":
        return money_text(value)
    if value is None:
        return "—"
    if column.kind == "rate":
        return percent_text(value)
    if column.kind == "days":
        return f"{value:.1f}"
    if column.kind == "int":
        return f"{value:,}"
    if column.kind == "number":
        return f"{value:,.1f}"
    return str(value)


def csv_cell(column: Column, value: Any) -> Any:
    """The CSV keeps numbers as numbers (a rate as 0.4231, days as 12.5); money as
    "EUR 1200.00; USD 80.00" so a single-currency column stays readable."""
    if value is None:
        return ""
    if column.kind == "money":
        return "; ".join(f"{currency} {amount}" for currency, amount in sorted(value.items()))
    return value


def report_csv_rows(report: Report) -> tuple[list[str], Iterator[list[Any]]]:
    header = [column.label for column in report.columns]
    rows = ([csv_cell(c, row.get(c.key)) for c in report.columns] for row in report.rows)
    return header, rows


def table_rows(report: Report) -> list[list[dict[str, Any]]]:
    """Cells for the template: text, whether it is a number, and a link where the row has one."""
    numeric = {"int", "rate", "days", "money", "number"}
    return [
        [
            {
                "text": cell_text(column, row.get(column.key)),
                "numeric": column.kind in numeric,
                "url": row.get(f"{column.key}_url", ""),
            }
            for column in report.columns
        ]
        for row in report.rows
    ]
