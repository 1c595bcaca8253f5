"""Reports, and the one place that lists them.

A report is a plain function `build(viewer, filters, options) -> Report`. Registering it with a
`ReportSpec` gives it a page (`/analytics/<slug>/`, filters above, chart, table), a CSV download
(`?format=csv`) and the API's JSON (`salesflow.api.routers.analytics`), all three from the same
`Report`, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesflow.analytics.filters import ReportFilters


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # "text", "int", "rate" (0..1, shown as a percentage), "days", "money" (a {currency: amount}
    # mapping), "date", "number" (any other figure, shown with one decimal: 4.5 activities)
    kind: str = "text"


@dataclass(frozen=True)
class Chart:
    """What the page draws above the table: `kind` is a Chart.js type ("bar", "line"); the
    labels come from `label_key` of each row, one data set per key in `value_keys`."""

    kind: str
    label_key: str
    value_keys: Sequence[str]
    stacked: bool = False


@dataclass
class Report:
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    filters: ReportFilters
    # Figures about the whole report (totals, "12 estimated moments left out"), echoed in the
    # API next to `rows`.
    summary: dict[str, Any] = field(default_factory=dict)
    # How the page names each summary figure (else its key, capitalised).
    summary_labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None
    options: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "filters": {**self.filters.as_dict(), **self.options},
            **self.summary,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Option:
    """A report's own choice beside the shared filters, e.g. win rates `by=owner`.

    `more` gives choices known only at request time (a custom field to group by)."""

    name: str
    label: str
    choices: Sequence[tuple[str, str]]
    default: str
    more: Callable[[], Sequence[tuple[str, str]]] | None = None

    def all_choices(self) -> list[tuple[str, str]]:
        return [*self.choices, *(self.more() if self.more else ())]


@dataclass(frozen=True)
class ReportSpec:
    slug: str
    title: str
    description: str
    build: Callable[[Any, ReportFilters, dict[str, str]], Report]
    options: Sequence[Option] = ()
    # Which date the period filter applies to, shown beside the filters.
    period_means: str = "created"
    # A page of its own instead of analytics/report.html (it gets the same context).
    template: str = ""
    # Who may open it: "all" (each sees their own figures) or "manager".
    audience: str = "all"
    position: int = 100


class OptionError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {text}" for key, text in errors.items()))
        self.errors = errors


REPORTS: dict[str, ReportSpec] = {}


def report_register(spec: ReportSpec) -> ReportSpec:
    if spec.slug in REPORTS and REPORTS[spec.slug] is not spec:
        raise ValueError(f"A report {spec.slug!r} is registered already.")
    REPORTS[spec.slug] = spec
    return spec


def reports_all() -> list[ReportSpec]:
    return sorted(REPORTS.values(), key=lambda spec: (spec.position, spec.title))


def report_get(slug: str) -> ReportSpec | None:
    return REPORTS.get(slug)


def options_parse(spec: ReportSpec, query: Any) -> dict[str, str]:
    """The report's own options from a query string, each checked against its choices."""
    values, errors = {}, {}
    for option in spec.options:
        value = str(query.get(option.name) or option.default)
        allowed = [choice for choice, _ in option.all_choices()]
        if value not in allowed:
            errors[option.name] = f"{value!r} is not one of {', '.join(allowed)}."
        values[option.name] = value
    if errors:
        raise OptionError(errors)
    return values


def report_run(spec: ReportSpec, viewer: Any, query: Any) -> Report:
    """Parse the filters and options of a query and build the report (FilterError and
    OptionError name the fields that are wrong)."""
    from salesflow.analytics.filters import FilterError, filters_parse

    errors: dict[str, str] = {}
    try:
        filters = filters_parse(viewer, query)
    except FilterError as exc:
        errors.update(exc.errors)
    try:
        options = options_parse(spec, query)
    except OptionError as exc:
        errors.update(exc.errors)
    if errors:
        raise FilterError(errors)
    report = spec.build(viewer, filters, options)
    report.options = options
    return report
