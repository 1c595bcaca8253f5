"""Helpers for pipeline tests: pipelines without exit criteria, stakeholders, competitors."""

from __future__ import annotations

import factory

from salesflow.pipeline.models import (
    Competitor,
    DealStakeholder,
    Pipeline,
    Stage,
    StakeholderRole,
)
from tests.factories import ContactFactory, DealFactory, default_pipeline


def pipeline_without_criteria(name: str = "Ungated sales process") -> Pipeline:
    """A copy of the default seven steps with no exit criteria, for tests about moves alone."""
    pipeline = Pipeline.objects.create(name=name)
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            name=stage.name,
            position=stage.position,
            probability=stage.probability,
            rotting_days=stage.rotting_days,
            kind=stage.kind,
        )
        for stage in default_pipeline().stages.active().order_by("position")
    )
    return pipeline


def ungated_deal(**kwargs: object) -> object:
    """A deal in its first stage of a pipeline without exit criteria."""
    pipeline = Pipeline.objects.filter(name="Ungated sales process").first()
    return DealFactory(pipeline=pipeline or pipeline_without_criteria(), **kwargs)


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Rival {n}")
    strengths = "Cheap"
    weaknesses = "Slow support"


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealStakeholder

    deal = factory.SubFactory(DealFactory)
    contact = factory.SubFactory(
        ContactFactory,
        owner=factory.SelfAttribute("..deal.owner"),
        account=factory.SelfAttribute("..deal.account"),
    )
    role = StakeholderRole.DECISION_MAKER
