"""The pipeline's data migrations run both ways."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from salesflow.pipeline.models import Deal, StageRequirement
from tests.factories import DealFactory, default_pipeline

pytestmark = pytest.mark.django_db

exit_criteria = import_module("salesflow.pipeline.migrations.0007_default_exit_criteria")
closed_on = import_module("salesflow.pipeline.migrations.0006_deal_closed_on_backfill")
account_required = import_module(
    "salesflow.pipeline.migrations.0010_qualification_requires_account"
)


def test_the_default_exit_criteria_are_removed_and_seeded_again_without_duplicates():
    seeded = list(
        StageRequirement.objects.order_by("stage__position", "position").values_list(
            "stage__name", "kind", "label"
        )
    )
    account_required.requirement_remove(apps, None)
    exit_criteria.requirements_remove(apps, None)
    assert not StageRequirement.objects.filter(stage__pipeline=default_pipeline()).exists()
    exit_criteria.requirements_create(apps, None)
    exit_criteria.requirements_create(apps, None)
    account_required.requirement_add(apps, None)
    account_required.requirement_add(apps, None)
    again = StageRequirement.objects.order_by("stage__position", "position").values_list(
        "stage__name", "kind", "label"
    )
    assert list(again) == seeded and len(seeded) == 7


def test_the_account_requirement_is_removed_and_added_again_on_qualification_only():
    account_required.requirement_remove(apps, None)
    left = StageRequirement.objects.filter(stage__pipeline=default_pipeline())
    assert [(r.stage.name, r.kind) for r in left if r.kind == "field_filled"] == []
    assert left.count() == 6

    account_required.requirement_add(apps, None)

    added = StageRequirement.objects.get(kind="field_filled")
    assert (added.stage.name, added.params, added.label) == (
        "Qualification",
        {"field": "account"},
        "The deal has an account",
    )


def test_closed_deals_get_their_close_day_from_the_close_time(rep):
    deal = DealFactory(owner=rep)
    closed_at = timezone.now().replace(year=2025, month=5, day=17, hour=12)
    Deal.objects.filter(pk=deal.pk).update(outcome="won", closed_at=closed_at, closed_on=None)
    closed_on.closed_on_fill(apps, None)
    deal.refresh_from_db()
    assert deal.closed_on.isoformat() == "2025-05-17"
