"""BANT answers "as read" through the API: the stale-tab protection of the deal's and lead's BANT
forms (`core.forms.ReadValuesMixin`, docs/editing.md) for API clients.

BANT answers have no version. A client that sends `read` (the answers as it last read them,
e.g. from GET /deals/{id}/qualification) next to its answers gets what a form gets:

- a field it sends with the value it read is not written (it did not change it): a change
  someone else saved meanwhile stays;
- a field it changes whose stored value is no longer the one it read is refused: 409, nothing
  saved, each such field named in `missing` with its stored value (`stored`). Sending the same
  value as the one stored is no conflict. Sending again with `read.<field>` = the stored value
  replaces it.

Fields left out of `read`, and requests without `read`, are written as before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from salesflow.core.errors import ConflictError
from salesflow.leads.models import Qualification


def _normal(name: str, value: Any) -> Any:
    if name == "budget_currency" and isinstance(value, str):
        return value.upper()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "budget_amount":
        return Decimal(str(value))
    return value


def _same(name: str, one: Any, other: Any) -> bool:
    return _normal(name, one) == _normal(name, other)


def _text(value: Any) -> str:
    """A stored value as the API writes it in JSON, as text ("null" for none)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def bant_stored(qualification_id: int | None, *, currency: str | None = None) -> Qualification:
    """The stored answers, locked until the end of the transaction (the check and the write
    see the same row); an empty record, as GET shows it, when none was recorded yet."""
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic()"
    stored = None
    if qualification_id is not None:
        stored = Qualification.objects.select_for_update().filter(pk=qualification_id).first()
    if stored is None:
        stored = Qualification(budget_currency=currency) if currency else Qualification()
    return stored


def bant_answers_as_read(
    stored: Qualification, sent: dict[str, Any], read: dict[str, Any] | None
) -> dict[str, Any]:
    """The answers to write: `sent` less the fields sent as they were read. ConflictError (409)
    naming each field the client changes whose stored value differs from what it read (and
    from what it sends)."""
    if read is None:
        return sent
    answers: dict[str, Any] = {}
    stale: list[dict[str, str]] = []
    for name, value in sent.items():
        if name not in read:
            answers[name] = value
            continue
        if _same(name, value, read[name]):
            continue  # not changed by this client since it read it: not written
        saved = getattr(stored, name)
        if not _same(name, saved, read[name]) and not _same(name, saved, value):
            stale.append(
                {
                    "code": "changed_since_read",
                    "field": name,
                    "stored": _text(saved),
                    "message": f"{name}: someone else changed this since you read it; it is "
                    f"now {_text(saved)}. Send read.{name} = {_text(saved)} to replace it.",
                }
            )
        answers[name] = value
    if stale:
        names = ", ".join(item["field"] for item in stale)
        raise ConflictError(
            f"Nothing was saved: someone else changed {names} since you read the answers.",
            missing=stale,
        )
    return answers
