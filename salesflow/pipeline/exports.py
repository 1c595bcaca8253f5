"""The deal list's CSV: the deal's own columns, the moment it entered each stage, and the
columns other apps add (products, from `salesflow.quotes`).

The file is made to come back in: its headers are the importer's target names, and the stage
columns ("entered <stage>") are what a mapping's `stage_dates` reads, so an exported history
imports into another Salesflow with the same stages, moments, amounts, owners and teams
(`salesflow/imports/tests/test_history_fidelity.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Min, Q, QuerySet

from salesflow.pipeline.models import Deal, Pipeline

Columns = list[tuple[str, str]]
# An app's extra columns: it annotates the queryset and names the (header, path) pairs.
DealExportExtension = Callable[[QuerySet[Deal]], tuple[QuerySet[Deal], Columns]]

DEAL_EXPORT_COLUMNS: Columns = [
    ("id", "id"), ("name", "name"), ("account", "account__name"),
    ("industry", "account__industry"), ("pipeline", "pipeline__name"),
    ("stage", "stage__name"), ("outcome", "outcome"), ("amount", "amount"),
    ("currency", "currency"), ("expected_close_on", "expected_close_on"),
    ("closed_on", "closed_on"), ("closed_at", "closed_at"), ("lost_reason", "lost_reason__name"),
    ("external_id", "external_id"), ("owner", "owner__username"), ("team", "team__name"),
    ("source", "lead__source"), ("source_detail", "lead__source_detail"),
    ("created_at", "created_at"), ("next_step", "next_step_state"),
    ("next_activity_at", "next_activity_at"), ("open_activities", "open_activity_count"),
]  # fmt: skip
STAGE_COLUMN = "entered {}"

_extensions: list[DealExportExtension] = []


def deal_export_extension_register(extension: DealExportExtension) -> None:
    """Called from an app's `ready()`; extensions run in the order they were registered."""
    if extension not in _extensions:
        _extensions.append(extension)


def deal_export(
    deals: QuerySet[Deal], *, pipeline: Pipeline | None = None
) -> tuple[QuerySet[Deal], Columns]:
    """The queryset annotated for the export, and its (header, path) columns.

    One "entered <stage>" column per active stage of the pipeline (the default pipeline's when
    none is given): the first time the deal entered it, or empty. Moments an import had to
    estimate are left empty, so a round trip never turns a guess into a fact.
    """
    from salesflow.pipeline.selectors import (
        deals_annotate_next_step,
        pipeline_default,
        stages_active,
    )

    pipeline = pipeline or pipeline_default()
    columns = list(DEAL_EXPORT_COLUMNS)
    annotations: dict[str, Any] = {}
    for stage in stages_active(pipeline):
        alias = f"entered_{stage.pk}"
        annotations[alias] = Min(
            "stage_changes__changed_at",
            filter=Q(stage_changes__to_stage=stage, stage_changes__is_estimated=False),
        )
        columns.append((STAGE_COLUMN.format(stage.name), alias))
    deals = deals_annotate_next_step(deals.annotate(**annotations))
    for extension in _extensions:
        deals, extra = extension(deals)
        columns += extra
    return deals, columns
