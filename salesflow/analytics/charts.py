"""The data a report's chart is drawn from (static/analytics/charts.js reads it)."""

from __future__ import annotations

from typing import Any

from salesflow.analytics.registry import Report


def chart_data(report: Report) -> dict[str, Any] | None:
    chart = report.chart
    if chart is None or not report.rows:
        return None
    labels = {column.key: column.label for column in report.columns}
    rates = {column.key for column in report.columns if column.kind == "rate"}
    return {
        "type": chart.kind,
        "stacked": chart.stacked,
        "labels": [str(row.get(chart.label_key) or "—") for row in report.rows],
        "datasets": [
            {
                "label": labels.get(key, key),
                "data": [
                    None if row.get(key) is None else (row[key] * 100 if key in rates else row[key])
                    for row in report.rows
                ],
                "percent": key in rates,
            }
            for key in chart.value_keys
        ],
    }
