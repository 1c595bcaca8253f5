"""Spreadsheet-safe exports: every download of records goes through here."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> str:
    """The value as text a spreadsheet will show, never evaluate.

    Numbers stay numbers (a negative amount is data, not a formula); any other text that a
    spreadsheet would read as a formula gets a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # BOM: spreadsheet programs then read UTF-8
    for row in rows:
        yield writer.writerow([cell_safe(value) for value in row])


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Stream a CSV download; rows should come from `.values_list(...).iterator()`."""
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def records_export(
    request: HttpRequest,
    *,
    name: str,
    queryset: QuerySet[Any],
    columns: Sequence[tuple[str, str]],
) -> StreamingHttpResponse:
    """Download the rows of a list page as CSV, and record who exported what.

    `queryset` must already be limited to what the user may read (a `*_visible_to` selector
    with the page's filters); `columns` are (header, field path) pairs read with values_list.
    """
    from salesflow.audit.models import AuditAction
    from salesflow.audit.services import audit_event_record

    filters = {key: value for key, value in request.GET.items() if key != "format" and value}
    audit_event_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        request=request,
        details={"kind": name, "filters": filters, "rows": queryset.count()},
    )
    rows = queryset.values_list(*(path for _, path in columns)).iterator(chunk_size=2000)
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, [header for header, _ in columns], rows)
