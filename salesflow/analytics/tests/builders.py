"""Deals with a past, for report tests: built through the same service the importer and the
demo use (`deals_create_with_history`), so reports see what a real history looks like."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from salesflow.pipeline.models import Deal, Outcome, Pipeline
from salesflow.pipeline.services import DealHistory, deals_create_with_history
from tests.factories import default_pipeline, lost_reason


def at(day: str, hour: int = 9) -> dt.datetime:
    """An aware datetime on an ISO day, at `hour` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def history_deal(
    owner: Any,
    path: list[tuple[str, str]],
    *,
    outcome: str = Outcome.OPEN,
    amount: Decimal | int | None = 1000,
    currency: str = "EUR",
    pipeline: Pipeline | None = None,
    team: Any = "owner's",
    estimated: set[int] | None = None,
    closed: str | None = None,
    **fields: Any,
) -> Deal:
    """A deal of `owner` that went through `path` [(stage name, ISO day), ...]; it was created
    on the first day. Won deals end in the Won stage, lost ones in Lost; `closed` is the day a
    suspended deal stopped (else the last day of the path)."""
    pipeline = pipeline or default_pipeline()
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    steps = [(stages[name], at(day), owner) for name, day in path]
    if team == "owner's":
        team = owner.teams.order_by("pk").first()
    if outcome in (Outcome.LOST, Outcome.SUSPENDED) and "lost_reason" not in fields:
        fields["lost_reason"] = lost_reason()
    deal = Deal(
        name=fields.pop("name", f"Deal of {owner.username} {path[0][1]}"),
        owner=owner,
        team=team,
        pipeline=pipeline,
        stage=steps[-1][0],
        stage_entered_at=steps[-1][1],
        amount=None if amount is None else Decimal(amount),
        currency=currency,
        **fields,
    )
    history = DealHistory(
        deal=deal,
        path=steps,
        outcome=outcome,
        closed_at=at(closed) if closed else None,
        estimated=estimated or set(),
    )
    (created,) = deals_create_with_history([history])
    Deal.objects.filter(pk=created.pk).update(created_at=steps[0][1])
    created.refresh_from_db()
    return created
