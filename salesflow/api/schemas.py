"""Schema pieces every router shares: paging, choices, contact fields, error answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models
from ninja import Schema
from pydantic import ConfigDict, Field, field_validator, model_validator

from salesflow.core.normalize import normalize_email, normalize_phone
from salesflow.core.validation import value_problems
from salesflow.users.models import Visibility


def choices_literal(
    choices: type[models.TextChoices], *, blank: bool = False, exclude: tuple[str, ...] = ()
) -> Any:
    """A Literal of the model's choice values, so a bad value answers 422 naming the field."""
    values = tuple(value for value in choices.values if value not in exclude)
    return Literal[("", *values) if blank else values]


VisibilityIn = choices_literal(Visibility)


def _beyond_64_bits(value: Any) -> bool:
    """An integer (however nested in lists and objects) no 64-bit database column holds."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) <= value < 2**63
    if isinstance(value, dict):
        return any(_beyond_64_bits(item) for item in value.values())
    if isinstance(value, list | tuple | set):
        return any(_beyond_64_bits(item) for item in value)
    return False


class UtcMoments(Schema):
    """Moments are kept in UTC: an offset Python accepts but PostgreSQL does not (+23:12) never
    reaches the database, whether it came in a body or in a query string. Nor does text no
    database can store or a date out of range (`salesflow.core.validation`): 422 naming it."""

    @model_validator(mode="after")
    def _moments_in_utc(self) -> Any:
        for name in type(self).model_fields:
            value = getattr(self, name, None)
            for path, problem in value_problems(value, name):
                raise ValueError(f"{path}: {problem}")
            if _beyond_64_bits(value):
                # No database column holds it (SQLite answered 500): found by the fuzz.
                raise ValueError(f"{name}: must lie between -2^63 and 2^63-1.")
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                try:
                    object.__setattr__(self, name, value.astimezone(dt.UTC))
                except OverflowError:
                    raise ValueError(f"{name}: the moment is out of range.") from None
        return self


class InputSchema(UtcMoments):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class PatchSchema(InputSchema):
    """A partial update: only the fields the client sent change.

    A field that can never be null is typed as such with `Field(None)` as its default: pydantic
    does not validate defaults, so leaving it out is fine while sending null answers 422.
    """


class VersionedPatch(PatchSchema):
    version: int | None = Field(
        None, description="The version you read; if the record changed since, the answer is 409."
    )


def _normalised(normaliser: Callable[[str], str]) -> Callable[[type, Any], Any]:
    def normalise(cls: type, value: Any) -> Any:
        if value is None:
            return value
        try:
            return normaliser(value)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from exc

    return normalise


def email_normalised(*names: str) -> Any:
    """Lower-case and check an email with the services' normaliser; a bad one answers 422."""
    return field_validator(*names)(classmethod(_normalised(normalize_email)))


def phone_normalised(*names: str) -> Any:
    """Write a phone in E.164 with the services' normaliser; a bad one answers 422."""
    return field_validator(*names)(classmethod(_normalised(normalize_phone)))


class PageQuery(UtcMoments):
    limit: int = Field(50, ge=1, le=200, description="At most 200 rows per page.")
    # Bounded: databases refuse offsets past 64-bit integers (SQLite with a 500, not a 422).
    offset: int = Field(0, ge=0, le=1_000_000_000)


def filtered(queryset: models.QuerySet, **lookups: Any) -> models.QuerySet:
    """Apply the lookups the client asked for; a None value means the filter was not given."""
    return queryset.filter(**{key: value for key, value in lookups.items() if value is not None})


def page(queryset: models.QuerySet, query: PageQuery) -> dict[str, Any]:
    """One page of an ordered queryset and the total count: two queries, whatever the size."""
    rows = list(queryset[query.offset : query.offset + query.limit])
    return {"items": rows, "count": queryset.count()}


class OwnedOut(Schema):
    """The id and sharing columns every owned record shows."""

    id: int
    owner_id: int | None
    team_id: int | None
    visibility: str
    created_at: dt.datetime
    updated_at: dt.datetime


class DetailOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    missing: list[dict[str, str]]


class InvalidItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(Schema):
    detail: list[InvalidItem]


READ_ERRORS: dict[int, Any] = {401: DetailOut, 404: DetailOut, 422: InvalidOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 403: DetailOut, 409: ConflictOut}
# Settings and other admin-only reads answer 403 to everyone else.
ADMIN_READ_ERRORS: dict[int, Any] = {**READ_ERRORS, 403: DetailOut}

AMOUNT: dict[str, Any] = {"ge": 0, "max_digits": 14, "decimal_places": 2}


class BantPatch(InputSchema):
    """BANT answers; only the fields sent change."""

    budget_amount: Decimal | None = Field(None, **AMOUNT)
    budget_currency: str = Field(None, min_length=3, max_length=3)
    is_budget_confirmed: bool = Field(None)
    is_decision_maker: bool | None = Field(
        None, description="Is the person we talk to the one who decides? null: not known yet."
    )
    decision_maker_name: str = Field(None, max_length=200, description="Who decides, if not them.")
    need: str = Field(None)
    pain_level: int | None = Field(None, ge=1, le=5, description="1 (nice to have) to 5 (urgent).")
    timeline_on: dt.date | None = Field(None, description="When they expect to buy.")


class BantRead(InputSchema):
    """The BANT answers as the client last read them (GET .../qualification), for the fields it
    sends: a field sent unchanged is not written, a field changed whose stored value is no
    longer this one is refused (409). See salesflow/api/bant.py."""

    budget_amount: Decimal | None = Field(None, **AMOUNT)
    budget_currency: str | None = Field(None, min_length=3, max_length=3)
    is_budget_confirmed: bool | None = Field(None)
    is_decision_maker: bool | None = Field(None)
    decision_maker_name: str | None = Field(None, max_length=200)
    need: str | None = Field(None)
    pain_level: int | None = Field(None, ge=1, le=5)
    timeline_on: dt.date | None = Field(None)


READ_DESCRIPTION = (
    "Optional: the answers as you last read them. A field sent with the value read is not "
    "written; a field you change whose stored value is no longer the one read is refused with "
    "409 (`missing`: code `changed_since_read`, `field`, `stored`), nothing saved. Without it, "
    "every field sent is written."
)


class QualificationOut(Schema):
    """BANT: budget, authority, need, timeline; `missing` lists the letters not answered yet."""

    budget_amount: Decimal | None
    budget_currency: str
    is_budget_confirmed: bool
    is_decision_maker: bool | None
    decision_maker_name: str
    need: str
    pain_level: int | None
    timeline_on: dt.date | None
    recorded_at: dt.datetime | None
    recorded_by_id: int | None
    missing: list[str]
    is_complete: bool


CUSTOM_OUT_DESCRIPTION = (
    "Custom field values by key (GET /custom-fields lists each key with its type): numbers as "
    "numbers, dates as YYYY-MM-DD, choices by key, several choices as a list of keys."
)
CUSTOM_IN_DESCRIPTION = (
    "Custom field values by key. A value is read with its field's type (a choice by key or "
    "label); null or an empty string clears it; on PATCH only the keys sent change. A value of "
    "the wrong type answers 422 at body.custom.<key>, naming the type expected."
)
CUSTOM_FILTER_DESCRIPTION = (
    "Filter on custom fields with query parameters `custom.<key>=value`, `custom.<key>__gte=`, "
    "`custom.<key>__lte=`, `custom.<key>__in=a,b` and `custom.<key>__isnull=true`; an unknown "
    "key, operator or a value of the wrong type answers 422 naming the parameter."
)


def custom_filtered(queryset: models.QuerySet, request: Any, kind: str) -> models.QuerySet:
    """Apply the `custom.<key>...` query parameters of a list request; 422 names a bad one."""
    from ninja.errors import ValidationError as NinjaValidationError

    from salesflow.customfields.selectors import custom_filter_params, custom_filter_q

    params = custom_filter_params(request.GET)
    if not params:
        return queryset
    try:
        return queryset.filter(custom_filter_q(kind, params))
    except ValidationError as error:
        raise NinjaValidationError(
            [
                {"loc": ["query", name], "msg": message, "type": "value_error"}
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None
