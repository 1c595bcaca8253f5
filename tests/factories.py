"""factory_boy factories with valid defaults for every core model."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from salesflow.activities.models import Activity, ActivityType
from salesflow.core import normalize
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Campaign, Channel, Lead, Source
from salesflow.pipeline.models import Deal, LostReason, Pipeline, Stage, StageChange
from salesflow.pipeline.transitions import history_changed
from salesflow.users.models import Role, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def team(self, create: bool, extracted: Team | None, **kwargs: object) -> None:
        if create and extracted is not None:
            self.teams.add(extracted)


def _owner_team(obj: object) -> Team | None:
    owner = getattr(obj, "owner", None)
    return owner.teams.order_by("pk").first() if owner is not None else None


class OwnedFactory(factory.django.DjangoModelFactory):
    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(_owner_team)
    visibility = "team"


class AccountFactory(OwnedFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    # Filled by the services; the factory saves directly, so it fills the key itself.
    name_key = factory.LazyAttribute(lambda a: normalize.name_key(a.name))
    industry = "Software"
    size_band = "51-200"
    region = "Europe"
    tier = "B"


class ContactFactory(OwnedFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    name_key = factory.LazyAttribute(lambda c: normalize.person_name_key(c.first_name, c.last_name))
    position = "Head of Operations"
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = Channel.INBOUND
    source = Source.WEBINAR
    cost = 1000


class LeadFactory(OwnedFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    name_key = factory.LazyAttribute(lambda c: normalize.person_name_key(c.first_name, c.last_name))
    email = factory.Sequence(lambda n: f"lead{n}@example.net")
    company = factory.Faker("company")
    channel = Channel.INBOUND
    source = Source.SEO


def default_pipeline() -> Pipeline:
    return Pipeline.objects.get(is_default=True)


def stage_named(name: str, pipeline: Pipeline | None = None) -> Stage:
    return (pipeline or default_pipeline()).stages.get(name=name)


class DealFactory(OwnedFactory):
    """A deal created in its first stage, with the StageChange the service would write."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    name = factory.Faker("catch_phrase")
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    pipeline = factory.LazyFunction(default_pipeline)
    stage = factory.LazyAttribute(lambda d: d.pipeline.stages.order_by("position").first())
    amount = 12000
    currency = "EUR"
    stage_entered_at = factory.LazyFunction(timezone.now)
    expected_close_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))

    @factory.post_generation
    def history(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            StageChange.objects.create(
                deal=self,
                to_stage=self.stage,
                changed_at=self.stage_entered_at,
                changed_by=self.owner,
            )
            history_changed([self.pk])  # as deal_create does: the report summaries follow


class ActivityFactory(OwnedFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    type = ActivityType.CALL
    subject = factory.Faker("sentence", nb_words=4)
    deal = factory.SubFactory(DealFactory, owner=factory.SelfAttribute("..owner"))
    account = factory.LazyAttribute(lambda a: a.deal.account if a.deal else None)

    @factory.post_generation
    def next_step(obj: Activity, create: bool, extracted: object, **kwargs: object) -> None:
        """Keep the deal's next-step columns as the services would."""
        if create and obj.deal_id:
            from salesflow.activities.next_steps import deals_next_step_refresh

            deals_next_step_refresh([obj.deal_id])


def lost_reason(name: str = "Price too high") -> LostReason:
    return LostReason.objects.get(name=name)
