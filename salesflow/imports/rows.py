"""One chunk of rows through the importer: map, check, write, and say what became of each."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from salesflow.core.errors import DomainError
from salesflow.imports import parsing
from salesflow.imports.deals import DealHandler
from salesflow.imports.kinds import (
    AccountHandler,
    ContactHandler,
    Handler,
    LeadHandler,
    RunContext,
)
from salesflow.imports.mapping import CellError, MappedRow, RowMapper
from salesflow.imports.models import ImportKind
from salesflow.imports.products import ProductHandler
from salesflow.imports.resolver import RowProblem
from salesflow.imports.users import UserHandler

HANDLERS: dict[str, type[Handler]] = {
    ImportKind.LEADS: LeadHandler,
    ImportKind.CONTACTS: ContactHandler,
    ImportKind.ACCOUNTS: AccountHandler,
    ImportKind.DEALS: DealHandler,
    ImportKind.USERS: UserHandler,
    ImportKind.PRODUCTS: ProductHandler,
}


@dataclass
class RowResult:
    number: int
    action: str  # created, updated, unchanged, skipped, or error
    errors: list[CellError] = field(default_factory=list)
    row: MappedRow | None = None


def rows_handle(chunk: list[parsing.Record], ctx: RunContext) -> list[RowResult]:
    """Map, check and write (or plan) each row of a chunk; one result per record, in order.

    A row the handler can stage (checked without writing, see `Handler.stage`) is written in
    bulk when the chunk ends; any other row runs in its own savepoint, so a refused row leaves
    no trace and the others go on.
    """
    handler: Handler = HANDLERS[ctx.kind](ctx)
    mapper = ctx.mapper
    results: list[RowResult] = []
    rows: list[tuple[RowResult, MappedRow]] = []
    for record in chunk:
        if record.is_blank:
            results.append(RowResult(record.number, "skipped"))
            continue
        if record.problem:
            results.append(RowResult(record.number, "error", [CellError(*record.problem)]))
            continue
        row = mapper.map(record)
        result = RowResult(record.number, "error", list(row.errors), row)
        results.append(result)
        if not row.errors:
            rows.append((result, row))
    known = handler.prefetch(row for _, row in rows)
    by_number = {}
    for result, row in rows:
        try:
            staged = handler.stage(row, known)
        except (ValidationError, RowProblem, PermissionDenied, DomainError) as exc:
            result.action = "error"
            result.errors = cell_errors(exc, row, handler, mapper)
            continue
        if staged is not None:  # checked, written in bulk by `flush`
            result.action = staged
            by_number[row.number] = result
            continue
        mark = ctx.resolver.mark()
        try:
            with transaction.atomic():
                result.action = handler.write(row, known)
        except (ValidationError, RowProblem, PermissionDenied, DomainError) as exc:
            ctx.resolver.undo(mark)
            result.action = "error"
            result.errors = cell_errors(exc, row, handler, mapper)
        by_number[row.number] = result
    for row, outcome in handler.flush():
        result = by_number[row.number]
        if isinstance(outcome, Exception):
            result.action = "error"
            result.errors = cell_errors(outcome, row, handler, mapper)
        else:
            result.action = outcome
    return results


def cell_errors(
    exc: Exception, row: MappedRow, handler: Handler, mapper: RowMapper
) -> list[CellError]:
    """A service's refusal as problems with the file's columns."""
    if isinstance(exc, RowProblem):
        target = exc.target
        return [CellError(mapper.column_for(target), row.raw.get(target, ""), exc.message)]
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        errors = []
        for name, messages in exc.message_dict.items():
            target = handler.target_of(name)
            column = "" if name == "__all__" else mapper.column_for(target)
            errors += [CellError(column, row.raw.get(target, ""), m) for m in messages]
        return errors
    if isinstance(exc, ValidationError):
        return [CellError("", "", message) for message in exc.messages]
    if isinstance(exc, PermissionDenied):
        message = str(exc) or "You may not change this record."
        return [CellError("", "", f"{message} It belongs to someone outside your teams.")]
    return [CellError("", "", str(exc))]
