"""Downloads of records: the CSV of a list page, recorded in the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from salesflow.audit.models import AuditAction
from salesflow.audit.services import audit_event_record
from salesflow.core.exports import csv_response


def records_export(
    request: HttpRequest,
    *,
    name: str,
    queryset: QuerySet[Any],
    columns: Sequence[tuple[str, str]],
    formats: Mapping[str, Callable[[Any], Any]] | None = None,
) -> StreamingHttpResponse:
    """Download the rows of a list page as CSV, and record who exported what.

    `queryset` must already be limited to what the user may read (a `*_visible_to` selector
    with the page's filters); `columns` are (header, field path) pairs read with values_list;
    `formats` turns a column's stored value into what a person reads, by header (custom
    fields: a choice's label, "yes" or "no").
    """
    filters = {key: value for key, value in request.GET.items() if key != "format" and value}
    audit_event_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        request=request,
        details={"kind": name, "filters": filters, "rows": queryset.count()},
    )
    rows = queryset.values_list(*(path for _, path in columns)).iterator(chunk_size=2000)
    if formats:
        shown = [formats.get(header) for header, _ in columns]
        rows = (
            [value if show is None else show(value) for value, show in zip(row, shown, strict=True)]
            for row in rows
        )
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, [header for header, _ in columns], rows)
