"""Bulk actions on list pages: one request, one transaction per record, a report of the refused.

A list app keeps a `BulkRegistry` of its actions (assign owner, change visibility, move stage,
delete, export...) and serves `bulk_view` at one URL; an app in a higher layer adds its own
action to a lower app's registry from its AppConfig.ready() (outreach's "add to segment"), the
way panels are registered (`core/panels.py`). Each record goes through the app's own service
with the acting user and the version the page showed, in its own transaction: a refusal
(exit criteria missing, no write permission, a conflict) rolls back that record only and is
listed with its reason. Ids of records the user may not read are refused as "not found".

The list posts `ids` (checkbox values `<id>:<version>`, or a bare id) and `action`. An action
with inputs (`form`) or a `confirm` step first answers a page listing the selected records with
its inputs; posting that page (`step=run`) runs it and goes back to the list with the summary.
Without JavaScript every step is a plain form POST.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from salesflow.core.errors import DomainError
from salesflow.core.views import error_text, next_url

MAX_SELECTED = 500


@dataclass(frozen=True)
class BulkAction:
    """One action of a list's bulk bar.

    `run(record, user=, data=, version=)` changes one record through its service (raising
    ValidationError, DomainError or PermissionDenied to refuse it); `form(data, user=)` asks for
    the action's inputs (its `cleaned_data` is `data`); `respond(request, queryset)` handles the
    whole readable selection at once instead (a download). `done` is the past tense the summary
    uses ("moved"); `confirm` asks before running (delete).
    """

    key: str
    label: str
    done: str = "done"
    run: Callable[..., Any] | None = None
    form: Callable[..., Any] | None = None
    respond: Callable[[HttpRequest, QuerySet[Any]], HttpResponse] | None = None
    confirm: bool = False
    danger: bool = False
    order: int = 100


class BulkRegistry:
    """The bulk actions of one list, in their `order`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._actions: dict[str, BulkAction] = {}

    def register(self, action: BulkAction) -> None:
        self._actions[action.key] = action

    def actions(self) -> list[BulkAction]:
        return sorted(self._actions.values(), key=lambda action: (action.order, action.label))

    def get(self, key: str) -> BulkAction | None:
        return self._actions.get(key)


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self, done_word: str) -> str:
        """ "2 moved, 1 refused: Acme renewal: This deal cannot leave Qualification yet..."."""
        text = f"{len(self.done)} {done_word}"
        if self.refused:
            reasons = "; ".join(f"{label}: {reason}" for label, reason in self.refused)
            text += f", {len(self.refused)} refused: {reasons}"
        return text + ("" if text.endswith(".") else ".")


def selection_parse(values: Iterable[str]) -> tuple[list[tuple[int, int | None]], list[str]]:
    """The posted `ids`: (id, version or None) in order, once each; and the values that are no
    id at all (refused as not found)."""
    chosen: list[tuple[int, int | None]] = []
    seen: set[int] = set()
    bad: list[str] = []
    for value in values:
        pk_text, _, version_text = str(value).strip().partition(":")
        if not pk_text.isdigit() or (version_text and not version_text.isdigit()):
            bad.append(str(value)[:40])
            continue
        pk = int(pk_text)
        if pk in seen or pk > 2**62:
            continue
        seen.add(pk)
        chosen.append((pk, int(version_text) if version_text else None))
    return chosen, bad


def _refusal_reason(error: Exception) -> str:
    if isinstance(error, ValidationError | DomainError):
        return error_text(error)
    return str(error) or "You may not change this record."


def bulk_run(
    selection: list[tuple[int, int | None]],
    *,
    records: dict[int, Any],
    run: Callable[..., Any],
    user: Any,
    data: dict[str, Any],
) -> BulkResult:
    """Run `run` on each selected record in its own transaction; a record missing from
    `records` (not readable) is refused as not found, one refused by its service is rolled
    back and listed with the reason."""
    result = BulkResult()
    for pk, version in selection:
        record = records.get(pk)
        if record is None:
            result.refused.append((f"#{pk}", "Not found."))
            continue
        try:
            with transaction.atomic():
                run(record, user=user, data=data, version=version)
        except (ValidationError, DomainError, PermissionDenied) as error:
            result.refused.append((str(record), _refusal_reason(error)))
        else:
            result.done.append(str(record))
    return result


def bulk_view(
    request: HttpRequest,
    *,
    registry: BulkRegistry,
    visible: Callable[[Any], QuerySet[Any]],
    list_url: str,
    noun_plural: str,
) -> HttpResponse:
    """The one URL of a list's bulk actions (POST): see the module's docstring."""
    back = next_url(request, list_url)
    action = registry.get(request.POST.get("action", ""))
    values = request.POST.getlist("ids")
    if request.POST.get("page_all"):  # "select all on this page", also without JavaScript
        values += request.POST.getlist("page_ids")
    selection, bad = selection_parse(values)
    if action is None:
        messages.error(request, "Choose what to do with the selected records.")
        return redirect(back)
    if not selection and not bad:
        messages.error(request, f"Select at least one of the {noun_plural} first.")
        return redirect(back)
    if len(selection) > MAX_SELECTED:
        messages.error(request, f"Select at most {MAX_SELECTED} records at a time.")
        return redirect(back)
    readable = visible(request.user).filter(pk__in=[pk for pk, _ in selection])
    if action.respond is not None:
        return action.respond(request, readable)
    running = request.POST.get("step") == "run"
    form = (
        action.form(request.POST if running else None, user=request.user) if action.form else None
    )
    if not running or (form is not None and not form.is_valid()):
        found = {record.pk: record for record in readable}
        context = {
            "action": action,
            "form": form,
            "records": [found[pk] for pk, _ in selection if pk in found],
            "missing": [f"#{pk}" for pk, _ in selection if pk not in found] + bad,
            "ids": [f"{pk}:{version}" if version else str(pk) for pk, version in selection] + bad,
            "next": back,
            "noun_plural": noun_plural,
        }
        return render(request, "listviews/bulk_confirm.html", context)
    records = {record.pk: record for record in readable}
    result = bulk_run(
        selection,
        records=records,
        run=action.run,  # type: ignore[arg-type]
        user=request.user,
        data=form.cleaned_data if form is not None else {},
    )
    result.refused += [(value, "Not found.") for value in bad]
    summary = result.summary(action.done)
    (messages.warning if result.refused else messages.success)(request, summary)
    return redirect(back)
