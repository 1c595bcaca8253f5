"""Factories for lead-management configuration, on top of tests/factories.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from salesflow.leads.models import (
    AssignmentRule,
    DisqualificationReason,
    LeadCaptureForm,
    ProfileCriterion,
    Qualification,
    ScoringRule,
    Source,
)
from tests.factories import TeamFactory


class CaptureFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadCaptureForm

    name = factory.Sequence(lambda n: f"Website contact form {n}")
    source = Source.CONTENT
    default_owner = None
    default_team = factory.SubFactory(TeamFactory)


class CompleteBantFactory(factory.django.DjangoModelFactory):
    """A BANT record with every letter answered."""

    class Meta:
        model = Qualification

    budget_amount = Decimal("25000")
    is_budget_confirmed = True
    is_decision_maker = True
    need = "Replace spreadsheets for route planning"
    pain_level = 4
    timeline_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=45))


class ProfileCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileCriterion

    dimension = "industry"
    value = "Logistics"
    weight = 10


class ScoringRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    condition = "budget_confirmed"
    points = 10


class AssignmentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentRule

    name = factory.Sequence(lambda n: f"Route {n}")
    priority = 100


def reason(name: str = "No budget") -> DisqualificationReason:
    return DisqualificationReason.objects.get(name=name)
