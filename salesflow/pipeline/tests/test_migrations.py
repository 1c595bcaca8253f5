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


def test_the_default_exit_criteria_are_removed_and_seeded_again_without_duplicates():
    seeded = list(
        StageRequirement.objects.order_by("stage__position", "position").values_list(
            "stage__name", "kind", "label"
        )
    )
    exit_criteria.requirements_remove(apps, None)
    assert not StageRequirement.objects.filter(stage__pipeline=default_pipeline()).exists()
    exit_criteria.requirements_create(apps, None)
    exit_criteria.requirements_create(apps, None)
    again = StageRequirement.objects.order_by("stage__position", "position").values_list(
        "stage__name", "kind", "label"
    )
    assert list(again) == seeded and len(seeded) == 6


def test_closed_deals_get_their_close_day_from_the_close_time(rep):
    deal = DealFactory(owner=rep)
    closed_at = timezone.now().replace(year=2025, month=5, day=17, hour=12)
    Deal.objects.filter(pk=deal.pk).update(outcome="won", closed_at=closed_at, closed_on=None)
    closed_on.closed_on_fill(apps, None)
    deal.refresh_from_db()
    assert deal.closed_on.isoformat() == "2025-05-17"
