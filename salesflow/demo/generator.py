"""Demo data: eighteen months of a two-team sales organisation, loaded once.

Everything random comes from one `random.Random(seed)`, so a seed always gives the same users,
companies, people, leads, deals and histories; dates are relative to the moment of loading.
Rows are written with `bulk_create` in batches inside one transaction, and deals with their
StageChange history go through `deals_create_with_history`, which applies the pipeline's rules.

The marker: every demo lead and deal has an `external_id` starting with `demo:`. When such a row
exists the demo is loaded, and `demo_load` changes nothing. Because the whole load is one
transaction, the marker is there exactly when all of the data is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.core.normalize import company_key, name_key, person_name_key
from salesflow.customers.models import Account, Contact, SizeBand, Tier
from salesflow.demo import words
from salesflow.demo.activities import ActivityPlanner
from salesflow.demo.dice import HISTORY_DAYS, Dice
from salesflow.demo.features import features_populate
from salesflow.leads.models import (
    SOURCE_CHANNEL,
    Campaign,
    Channel,
    DisqualificationReason,
    Lead,
    LeadStatus,
    ProfileCriterion,
    Qualification,
    Source,
)
from salesflow.leads.scoring import leads_rescore_all
from salesflow.pipeline.models import (
    WON_OUTCOMES,
    Deal,
    DealStakeholder,
    LostReason,
    Outcome,
    Pipeline,
    StageKind,
    StageRequirement,
    StakeholderRole,
)
from salesflow.pipeline.services import NEEDS_REASON, DealHistory, deals_create_with_history
from salesflow.quotes.models import DealLine
from salesflow.quotes.services import deal_lines_bulk_create, product_create
from salesflow.users.models import Role, Team, User, Visibility
from salesflow.users.services import user_create

MARKER = "demo:"
DEFAULT_SEED = 2024
DEFAULT_PASSWORD = "demo1234"  # noqa: S105 (the documented password of the demo logins)
BATCH = 500

# Full-scale sizes; `scale` multiplies them, never below the minimum that still shows every
# stage, outcome, source and status.
SIZES = {"accounts": 500, "contacts": 2000, "leads": 5000, "deals": 1500, "activities": 20000}
MINIMUM = {"accounts": 4, "contacts": 8, "leads": 30, "deals": 12, "activities": 150}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None


DEMO_USERS = [
    DemoUser("admin", "Ada", "Admin", Role.ADMIN, None),
    DemoUser("maria", "Maria", "Lindqvist", Role.MANAGER, "North"),
    DemoUser("rita", "Rita", "Hansen", Role.REP, "North"),
    DemoUser("rob", "Rob", "Becker", Role.REP, "North"),
    DemoUser("marco", "Marco", "Bellini", Role.MANAGER, "South"),
    DemoUser("sara", "Sara", "Moreno", Role.REP, "South"),
    DemoUser("sam", "Sam", "Duval", Role.REP, "South"),
]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    team: str
    password: str


@dataclass
class DemoResult:
    loaded: bool
    logins: list[Login]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def demo_is_loaded() -> bool:
    return (
        Deal.objects.filter(external_id__startswith=MARKER).exists()
        or Lead.objects.filter(external_id__startswith=MARKER).exists()
    )


def demo_logins(
    *, password: str = DEFAULT_PASSWORD, created: frozenset[str] = frozenset()
) -> list[Login]:
    """The demo users that exist, with the password if it still is the given one.

    `created` names users just made with that password: no need to hash it again to know.
    """
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[d.username for d in DEMO_USERS]
        ).prefetch_related("teams")
    }
    logins = []
    for demo in DEMO_USERS:
        user = users.get(demo.username)
        if user is None:
            continue
        teams = ", ".join(t.name for t in user.teams.all()) or "-"
        has_it = user.username in created or user.check_password(password)
        shown = password if has_it else f"(set earlier, not {password})"
        logins.append(Login(user.username, user.role, teams, shown))
    return logins


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    scale: float = 1.0,
    now: dt.datetime | None = None,
) -> DemoResult:
    """Load the demo data unless it is there already. One transaction: all or nothing."""
    if scale <= 0:
        raise ValidationError({"scale": "The scale must be greater than 0."})
    started = time.perf_counter()
    with transaction.atomic():
        # Locking the default pipeline row makes two concurrent loads on PostgreSQL queue up,
        # so the second one sees the first one's marker (SQLite serialises writers anyway).
        pipeline = Pipeline.objects.select_for_update().filter(is_default=True).first()
        if pipeline is None:
            raise ValidationError(
                {"pipeline": "No default pipeline: run `salesflow migrate` first."}
            )
        if demo_is_loaded():
            return DemoResult(loaded=False, logins=demo_logins(password=password))
        builder = _DemoBuilder(
            rng=random.Random(seed),
            now=now or timezone.now(),
            scale=scale,
            pipeline=pipeline,
            password=password,
        )
        counts = builder.build()
    return DemoResult(
        loaded=True,
        logins=demo_logins(password=password, created=frozenset(builder.created_usernames)),
        counts=counts,
        seconds=time.perf_counter() - started,
    )


@contextlib.contextmanager
def timestamps_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the `created_at`/`updated_at` values set on the objects.

    Demo rows are backdated over eighteen months; `auto_now(_add)` would stamp them all "now",
    and timelines and reports order by those columns. Only for this one-process command.
    """
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@dataclass
class _Company:
    """What the generator knows about an account beyond its columns."""

    account: Account
    country: str
    city: str
    domain: str
    contacts: list[Contact] = field(default_factory=list)


class _DemoBuilder(Dice):
    """Writes the records; the random values come from Dice."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: dt.datetime,
        scale: float,
        pipeline: Pipeline,
        password: str,
    ) -> None:
        super().__init__(rng=rng, now=now)
        self.pipeline = pipeline
        self.password = password
        self.sizes = {name: max(MINIMUM[name], round(size * scale)) for name, size in SIZES.items()}

    def team_member(self, team: Team) -> User:
        """Who owns a new account, deal or lead of the team: one of its reps. The team's manager
        coaches the reps and decides their discounts (the quotes waiting in Approvals), so owns
        no records of the demo; a team without reps (users made earlier) falls back to all."""
        members = self.members[team.pk]
        reps = [u for u in members if u.role != Role.MANAGER] or members
        return self.pick([(u, 0.4) for u in reps])

    # -- the load ------------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.load_reference_data()
        self.create_users()
        with timestamps_as_given(
            Account, Contact, Campaign, Qualification, Lead, Deal, DealStakeholder, Activity
        ):
            self.create_accounts()
            self.create_contacts()
            self.create_campaigns()
            histories, deal_leads = self.plan_deals()
            self.create_leads(deal_leads)
            self.create_deals(histories, deal_leads)
            self.create_products()
            self.create_stakeholders()
            self.create_activities()
        # Grades and scores as the lead list shows them, from the facts and activities above.
        leads_rescore_all(now=self.now)
        extra = features_populate(self)
        return {
            "users": len(self.users),
            "teams": len(self.teams),
            "accounts": len(self.companies),
            "contacts": len(self.contacts),
            "campaigns": len(self.campaigns),
            "leads": len(self.leads),
            "BANT records": len(self.qualifications),
            "deals": len(self.deals),
            "products": len(self.products),
            "product lines": self.deal_line_count,
            "stage changes": self.stage_change_count,
            "stakeholders": self.stakeholder_count,
            "activities": self.activity_count,
            **extra,
        }

    def load_reference_data(self) -> None:
        stages = list(self.pipeline.stages.active().order_by("position"))
        self.open_stages = [s for s in stages if s.kind == StageKind.OPEN]
        self.won_stage = next((s for s in stages if s.kind == StageKind.WON), None)
        self.lost_stage = next((s for s in stages if s.kind == StageKind.LOST), None)
        if not self.open_stages or self.won_stage is None or self.lost_stage is None:
            raise ValidationError(
                {"pipeline": "The default pipeline needs open stages, a won and a lost stage."}
            )
        self.lost_reasons = list(LostReason.objects.filter(is_active=True).order_by("position"))
        if not self.lost_reasons:
            raise ValidationError({"lost_reason": "Add at least one active lost reason."})
        self.drop_reasons = list(
            DisqualificationReason.objects.filter(is_active=True).order_by("position")
        )
        if not ProfileCriterion.objects.exists():  # an admin's own profile is left alone
            ProfileCriterion.objects.bulk_create(
                ProfileCriterion(dimension=dimension, value=value, weight=weight)
                for dimension, value, weight in words.PROFILE
            )
        self.qualifications: list[Qualification] = []

    def reason(self, outcome: str) -> LostReason:
        """A lost reason, weighted by how often it happens; unknown (custom) reasons get a few."""
        if outcome == Outcome.SUSPENDED:
            weights = {"Timing": 40, "No budget": 25, "Went silent": 15, "No decision": 10}
        else:
            weights = {
                "Price": 22, "Lost to": 20, "No budget": 14, "No decision": 8, "No real": 10,
                "Timing": 9, "Product": 8, "Went silent": 12, "Other": 3,
            }  # fmt: skip
        return self.pick(
            [
                (r, next((w for k, w in weights.items() if r.name.startswith(k)), 3))
                for r in self.lost_reasons
            ]
        )

    def create_users(self) -> None:
        """The demo logins; users that already exist are reused as they are."""
        self.teams: dict[str, Team] = {}
        for name in ("North", "South"):
            self.teams[name], _ = Team.objects.get_or_create(name=name)
        existing = {
            u.username: u
            for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])
        }
        self.users: list[User] = []
        self.created_usernames: list[str] = []
        for demo in DEMO_USERS:
            user = existing.get(demo.username)
            if user is None:
                user = user_create(
                    username=demo.username,
                    role=demo.role,
                    team_name=demo.team,
                    password=self.password,
                    email=f"{demo.username}@salesflow.example",
                    first_name=demo.first_name,
                    last_name=demo.last_name,
                )
                User.objects.filter(pk=user.pk).update(
                    date_joined=self.now - dt.timedelta(days=HISTORY_DAYS + 30)
                )
                self.created_usernames.append(user.username)
            elif demo.team and not user.teams.exists():
                user.teams.add(self.teams[demo.team])
            self.users.append(user)
        # Each record's team is its owner's (first) team: the one the access policy follows.
        self.team_of: dict[int, Team] = {}
        self.members: dict[int, list[User]] = {t.pk: [] for t in self.teams.values()}
        for user in self.users:
            team = user.teams.order_by("pk").first()
            if team is not None and user.role != Role.ADMIN:
                self.team_of[user.pk] = team
                self.members.setdefault(team.pk, []).append(user)
        self.managers = {
            team_pk: next((u for u in members if u.role == Role.MANAGER), None)
            for team_pk, members in self.members.items()
        }
        self.sellers = [u for u in self.users if u.pk in self.team_of]
        for name, team in self.teams.items():
            if not self.members.get(team.pk):
                raise ValidationError({"team": f"Team {name} has no members to own demo data."})

    def create_accounts(self) -> None:
        self.companies: list[_Company] = []
        tiers = {
            SizeBand.MICRO: {Tier.B: 10, Tier.C: 90},
            SizeBand.SMALL: {Tier.A: 3, Tier.B: 22, Tier.C: 75},
            SizeBand.MEDIUM: {Tier.A: 8, Tier.B: 37, Tier.C: 55},
            SizeBand.LARGE: {Tier.A: 25, Tier.B: 45, Tier.C: 30},
            SizeBand.ENTERPRISE: {Tier.A: 50, Tier.B: 40, Tier.C: 10},
        }
        industries = {name: w for name, (w, _) in words.INDUSTRIES.items()}
        for _ in range(self.sizes["accounts"]):
            region, country, city = self.place()
            team = self.teams[words.REGIONS[region][0]]
            industry = self.pick(industries)
            name, domain = self.company_name(industry, country, unique=True)
            size = self.size_band()
            created = self.days_ago(HISTORY_DAYS, HISTORY_DAYS + 400)
            owner = self.team_member(team)
            account = Account(
                name=name,
                name_key=name_key(name),
                industry=industry,
                size_band=size,
                region=region,
                website=f"https://www.{domain}" if self.chance(0.9) else "",
                tier=self.pick(tiers[size]),
                notes=f"Headquarters in {city}." if self.chance(0.4) else "",
                owner=owner,
                team=self.team_of[owner.pk],
                visibility=self.visibility(),
                created_at=created,
                updated_at=self.days_ago(0, HISTORY_DAYS),
            )
            self.companies.append(_Company(account, country, city, domain))
        Account.objects.bulk_create([c.account for c in self.companies], batch_size=BATCH)

    def create_contacts(self) -> None:
        self.contacts: list[Contact] = []
        # Cumulative weights, computed once (`weights=` would rebuild them on every draw).
        cum_weights = list(
            accumulate(
                {"1-10": 1, "11-50": 2, "51-200": 3, "201-1000": 4, "1000+": 5}[c.account.size_band]
                for c in self.companies
            )
        )
        for index in range(self.sizes["contacts"]):
            if index < len(self.companies):
                company: _Company | None = self.companies[index]
            elif self.chance(0.02):
                company = None  # a freelancer or consultant without an account
            else:
                company = self.rng.choices(self.companies, cum_weights=cum_weights)[0]
            if company is not None:
                account = company.account
                owner = account.owner if self.chance(0.85) else self.team_member(account.team)
                country, city, domain = company.country, company.city, company.domain
                visibility = account.visibility if self.chance(0.8) else self.visibility()
            else:
                account = None
                owner = self.rng.choice(self.sellers)
                _, country, city = self.place()
                domain = "mail.example"
                visibility = self.visibility()
            first, last, language = self.person(words.COUNTRIES[country][2])
            base = account.created_at if account else self.now - dt.timedelta(days=HISTORY_DAYS)
            created = base + (self.now - base) * self.rng.uniform(0, 0.95)
            contact = Contact(
                account=account,
                first_name=first,
                last_name=last,
                name_key=person_name_key(first, last),
                position=self.rng.choice(words.POSITIONS),
                email=self.email(first, last, domain) if self.chance(0.95) else "",
                phone=self.phone(country) if self.chance(0.8) else "",
                owner=owner,
                team=self.team_of[owner.pk],
                visibility=visibility,
                created_at=created,
                updated_at=created + (self.now - created) * self.rng.random(),
            )
            if self.chance(0.45):
                self.add_profile(contact, language=language, country=country, city=city)
            if self.chance(0.04):
                contact.do_not_contact = True
            elif self.chance(0.6):
                contact.has_consent = True
                contact.consent_at = created + (self.now - created) * self.rng.random()
            self.contacts.append(contact)
            if company is not None:
                company.contacts.append(contact)
        Contact.objects.bulk_create(self.contacts, batch_size=BATCH)

    def add_profile(self, contact: Contact, *, language: str, country: str, city: str) -> None:
        """The personal file of step 7: family, hobbies, education, achievements, travels."""
        rng = self.rng
        firsts = words.NAMES[language][0]
        contact.birthday = self.today - dt.timedelta(days=rng.randint(26 * 365, 64 * 365))
        fill = {
            "partner": rng.choice(firsts),
            "child": rng.choice(firsts),
            "age": rng.randint(2, 17),
            "pet": rng.choice(words.PETS),
            "city": rng.choice(words.COUNTRIES[rng.choice(list(words.COUNTRIES))][3]),
        }
        contact.family = rng.choice(words.FAMILIES).format(**fill)
        contact.hobbies = ", ".join(rng.sample(words.HOBBIES, rng.randint(1, 3)))
        contact.education = f"{rng.choice(words.DEGREES)}, {rng.choice(words.UNIVERSITIES)}"
        if self.chance(0.7):
            contact.achievements = rng.choice(words.ACHIEVEMENTS).format(
                year=self.today.year - rng.randint(1, 8),
                pct=rng.randint(8, 30),
                event=rng.choice(words.EVENTS),
                industry=contact.account.industry if contact.account else "Logistics",
                city=city,
                position=contact.position,
            )
        contact.places_visited = ", ".join(rng.sample(words.DESTINATIONS, rng.randint(1, 4)))
        home_country = rng.choice([c for c, v in words.COUNTRIES.items() if v[2] == language])
        other_country = rng.choice([c for c, v in words.COUNTRIES.items() if v[2] != language])
        contact.cultural_background = rng.choice(words.BACKGROUNDS).format(
            adjective=words.NAMES[language][2],
            home=rng.choice(words.COUNTRIES[home_country][3]),
            city=city,
            year=self.today.year - rng.randint(2, 25),
            other=words.COUNTRIES[other_country][0],
        )

    def create_campaigns(self) -> None:
        existing = {
            c.name: c for c in Campaign.objects.filter(name__in=[c[0] for c in words.CAMPAIGNS])
        }
        self.campaigns: list[Campaign] = []
        new = []
        for name, channel, source, cost, started, runs in words.CAMPAIGNS:
            campaign = existing.get(name)
            if campaign is None:
                starts_on = self.today - dt.timedelta(days=started)
                ends_on = starts_on + dt.timedelta(days=runs) if runs else None
                created = self.now - dt.timedelta(days=started + 14)
                campaign = Campaign(
                    name=name,
                    channel=channel,
                    source=source,
                    cost=Decimal(cost),
                    currency="EUR",
                    starts_on=starts_on,
                    ends_on=ends_on,
                    is_active=ends_on is None or ends_on >= self.today,
                    created_at=created,
                    updated_at=created,
                )
                new.append(campaign)
            self.campaigns.append(campaign)
        Campaign.objects.bulk_create(new, batch_size=BATCH)

    def campaign_at(self, moment: dt.datetime) -> Campaign | None:
        """A campaign running on that day (or up to a month after it ended), if any."""
        day = timezone.localdate(moment)
        running = [
            c
            for c in self.campaigns
            if c.starts_on is not None
            and c.starts_on <= day
            and (c.ends_on is None or day <= c.ends_on + dt.timedelta(days=30))
        ]
        return self.rng.choice(running) if running else None

    # -- deals ---------------------------------------------------------------------------------

    def outcome_and_depth(self, index: int) -> tuple[str, int]:
        """The deal's outcome and the index of its last open stage.

        The first deals cover every open stage and every outcome, so even a tiny load has them.
        """
        n = len(self.open_stages)
        if index < n:
            return Outcome.OPEN, index
        forced = [Outcome.WON, Outcome.LOST, Outcome.SUSPENDED, Outcome.UPGRADED]
        if index < n + len(forced):
            outcome = forced[index - n]
        else:
            outcome = self.pick(
                {Outcome.OPEN: 38, Outcome.WON: 27, Outcome.LOST: 28, Outcome.SUSPENDED: 7}
            )
        if outcome in WON_OUTCOMES:
            return outcome, n - 1
        if outcome == Outcome.OPEN:  # more deals early in the funnel than late
            return outcome, self.pick([(i, n + 2 - i) for i in range(n)])
        if outcome == Outcome.LOST:  # dropping out at every stage, most in the middle
            return outcome, self.pick([(i, 1.0 + min(i, n - 1 - i)) for i in range(n)])
        return outcome, self.rng.randrange(1, n) if n > 1 else 0

    def mover(self, owner: User) -> User:
        manager = self.managers.get(self.team_of[owner.pk].pk)
        return manager if manager is not None and self.chance(0.1) else owner

    def plan_deals(self) -> tuple[list[DealHistory], dict[int, Lead]]:
        """Deals with their stage paths; about a third came from a converted lead."""
        histories: list[DealHistory] = []
        converted: dict[int, Lead] = {}
        tier_weight = {Tier.A: 3, Tier.B: 2, Tier.C: 1}
        cum_weights = list(accumulate(tier_weight[c.account.tier] for c in self.companies))
        first_won: tuple[_Company, dt.datetime | None] | None = None
        for index in range(self.sizes["deals"]):
            outcome, depth = self.outcome_and_depth(index)
            company = self.rng.choices(self.companies, cum_weights=cum_weights)[0]
            closed_after = None
            if outcome == Outcome.UPGRADED and first_won is not None:
                # The first upgrade sells more to the account of the first won deal, later.
                company, closed_after = first_won
            account = company.account
            owner = account.owner if self.chance(0.8) else self.team_member(account.team)
            # The first won deal surely took a detour, so even a small load shows one.
            detour = outcome == Outcome.WON and first_won is None
            stages = [self.open_stages[i] for i in self.stage_path(depth, detour=detour)]
            if outcome in WON_OUTCOMES:
                stages.append(self.won_stage)
            elif outcome == Outcome.LOST:
                stages.append(self.lost_stage)
            moments, closed_at = self.timeline(len(stages), outcome, closed_after=closed_after)
            if outcome == Outcome.WON and first_won is None:
                first_won = (company, closed_at)
            if outcome == Outcome.OPEN:
                if self.chance(0.15):  # slipped: the expected date has passed
                    expected = self.today - dt.timedelta(days=self.rng.randint(1, 30))
                else:
                    expected = timezone.localdate(moments[-1]) + dt.timedelta(
                        days=self.rng.randint(14, 120)
                    )
                    expected = max(expected, self.today + dt.timedelta(days=3))
            else:
                expected = timezone.localdate(closed_at)
            contact = self.rng.choice(company.contacts) if company.contacts else None
            deal = Deal(
                name=f"{account.name.rsplit(' ', 1)[0]} - {self.rng.choice(words.PRODUCTS)}",
                account=account,
                primary_contact=contact if self.chance(0.9) else None,
                pipeline=self.pipeline,
                amount=self.amount(account.size_band),
                currency="EUR",
                expected_close_on=expected,
                lost_reason=self.reason(outcome) if outcome in NEEDS_REASON else None,
                external_id=f"{MARKER}deal:{index + 1}",
                owner=owner,
                team=self.team_of[owner.pk],
                visibility=account.visibility if self.chance(0.7) else self.visibility(),
                created_at=moments[0],
                updated_at=closed_at or moments[-1],
            )
            histories.append(
                DealHistory(
                    deal=deal,
                    path=[
                        (stage, moment, self.mover(owner))
                        for stage, moment in zip(stages, moments, strict=True)
                    ],
                    outcome=outcome,
                    closed_at=closed_at,
                )
            )
            if index == 0 or self.chance(0.3):
                lead = self.converted_lead(deal, company, moments[0])
                converted[index] = lead
                deal.qualification = lead.qualification
            elif len(stages) > 2:  # past qualification: BANT was recorded on the deal
                deal.qualification = self.bant(
                    deal.owner, moments[1], complete=True, size_band=account.size_band
                )
        self.mark_upgrades(histories)
        return histories, converted

    def mark_upgrades(self, histories: list[DealHistory]) -> None:
        """A third of the sales to accounts that had bought before are upgrades (upsells)."""
        bought: set[int] = set()
        sales = [h for h in histories if h.outcome in WON_OUTCOMES]
        for history in sorted(sales, key=lambda h: (h.closed_at, h.deal.external_id)):
            deal = history.deal
            if history.outcome == Outcome.WON and id(deal.account) in bought and self.chance(0.35):
                history.outcome = Outcome.UPGRADED
            if history.outcome == Outcome.UPGRADED:
                deal.name = f"{deal.name.split(' - ')[0]} - {self.rng.choice(words.UPSELLS)}"
            bought.add(id(deal.account))

    def converted_lead(self, deal: Deal, company: _Company, deal_start: dt.datetime) -> Lead:
        """The lead a deal was converted from: the same person and company, weeks earlier."""
        created = deal_start - dt.timedelta(days=self.rng.uniform(2, 40))
        contact = deal.primary_contact
        if contact is not None:
            first, last, email, phone = (
                contact.first_name,
                contact.last_name,
                contact.email,
                contact.phone,
            )
        else:
            first, last, _ = self.person(words.COUNTRIES[company.country][2])
            email, phone = self.email(first, last, company.domain), ""
        lead = self.lead_source(created)
        account = company.account
        lead.first_name, lead.last_name, lead.email, lead.phone = first, last, email, phone
        lead.title = contact.position if contact else self.rng.choice(words.POSITIONS)
        lead.company, lead.industry, lead.size_band = (
            account.name,
            account.industry,
            account.size_band,
        )
        lead.region, lead.website = account.region, account.website
        lead.status = LeadStatus.CONVERTED
        lead.owner, lead.team, lead.visibility = deal.owner, deal.team, deal.visibility
        lead.created_at = created
        self.lifecycle(lead, converted_at=deal_start, account=account, contact=contact)
        return lead

    def lifecycle(
        self,
        lead: Lead,
        *,
        converted_at: dt.datetime | None = None,
        account: Account | None = None,
        contact: Contact | None = None,
    ) -> None:
        """The dates a worked lead has: assigned, first answered, then qualified or dropped."""

        def later(moment: dt.datetime, hours: tuple[float, float]) -> dt.datetime:
            return min(self.now, moment + dt.timedelta(hours=self.rng.uniform(*hours)))

        created = lead.created_at
        if lead.owner is not None:
            lead.assigned_at = later(created, (0.05, 6))
            if lead.status != LeadStatus.NEW or self.chance(0.2):
                lead.first_response_at = later(lead.assigned_at, (0.2, 48))
        if converted_at is not None:
            lead.qualified_at = created + (converted_at - created) * self.rng.uniform(0.3, 0.9)
            lead.converted_at = converted_at
            lead.converted_account, lead.converted_contact = account, contact
        elif lead.status == LeadStatus.QUALIFIED:
            lead.qualified_at = later(created, (24, 24 * 30))
        elif lead.status == LeadStatus.DISQUALIFIED:
            lead.disqualified_at = later(created, (24, 24 * 45))
            if self.drop_reasons:
                lead.disqualification_reason = self.drop_reason()
        if lead.qualified_at is not None:
            lead.qualification = self.bant(lead.owner, lead.qualified_at, complete=True)
        elif lead.status == LeadStatus.WORKING and lead.owner and self.chance(0.4):
            lead.qualification = self.bant(lead.owner, lead.first_response_at or created)
        lead.company_key = company_key(lead.company)
        lead.name_key = person_name_key(lead.first_name, lead.last_name)
        moments = [created, lead.first_response_at, lead.qualified_at, lead.disqualified_at]
        moments.append(converted_at)
        last = max(m for m in moments if m is not None)
        lead.updated_at = last + (self.now - last) * self.rng.uniform(0, 0.3)

    def bant(
        self,
        owner: User | None,
        at: dt.datetime,
        *,
        complete: bool = False,
        size_band: str = "",
    ) -> Qualification:
        """Budget, authority, need and timeline as the rep recorded them (some, or all four)."""

        def known() -> bool:
            return complete or self.chance(0.5)

        record = Qualification(recorded_at=at, recorded_by=owner, created_at=at, updated_at=at)
        if known():
            record.budget_amount = self.amount(size_band or self.size_band())
            record.is_budget_confirmed = self.chance(0.75 if complete else 0.3)
        if known():
            record.is_decision_maker = self.chance(0.6)
            if not record.is_decision_maker:
                record.decision_maker_name = self.rng.choice(words.DECIDERS)
        if known():
            record.need = self.rng.choice(words.NEEDS)
            record.pain_level = self.pick({2: 1, 3: 3, 4: 4, 5: 2})
        if known():
            record.timeline_on = timezone.localdate(at) + dt.timedelta(
                days=self.rng.randint(30, 200)
            )
        self.qualifications.append(record)
        return record

    def drop_reason(self) -> DisqualificationReason:
        """Why a lead was dropped, weighted; unknown (custom) reasons get a few."""
        weights = {
            "No budget": 18, "No access": 10, "No need": 22, "Not buying": 16, "Chose": 10,
            "Unreachable": 16, "Duplicate": 5, "Spam": 3,
        }  # fmt: skip
        return self.pick(
            [
                (r, next((w for k, w in weights.items() if r.name.startswith(k)), 5))
                for r in self.drop_reasons
            ]
        )

    def lead_source(self, created: dt.datetime, source: str | None = None) -> Lead:
        """A new Lead with channel, source and campaign set: from a campaign when one ran."""
        campaign = self.campaign_at(created) if source is None and self.chance(0.55) else None
        if campaign is not None:
            return Lead(campaign=campaign, source=campaign.source, channel=campaign.channel)
        if source is None:
            source = self.pick(
                {
                    Source.SEO: 14, Source.CONTENT: 10, Source.SOCIAL: 8, Source.WEBINAR: 6,
                    Source.REFERRAL: 12, Source.COLD_CALL: 12, Source.EMAIL: 10,
                    Source.DIRECT_MAIL: 3, Source.EXHIBITION: 5, Source.ADVERTISING: 5,
                    Source.OTHER: 4,
                }
            )  # fmt: skip
        channel = SOURCE_CHANNEL[Source(source)]
        if self.chance(0.06):  # e.g. a social-media contact the rep reached out to
            channel = Channel.OUTBOUND if channel == Channel.INBOUND else Channel.INBOUND
        return Lead(source=source, channel=channel)

    def lead_status(self, created: dt.datetime) -> str:
        age = (self.now - created).days
        if age < 14:
            weights = {"new": 55, "working": 35, "qualified": 7, "disqualified": 3}
        elif age < 60:
            weights = {"new": 10, "working": 35, "qualified": 25, "disqualified": 30}
        else:
            weights = {"new": 3, "working": 10, "qualified": 20, "disqualified": 67}
        return self.pick(weights)

    def create_leads(self, deal_leads: dict[int, Lead]) -> None:
        self.leads: list[Lead] = list(deal_leads.values())
        sources = list(Source)
        statuses = [s for s in LeadStatus if s != LeadStatus.CONVERTED]
        for index in range(max(0, self.sizes["leads"] - len(self.leads))):
            # The first leads go through every source and status, so small loads show them all.
            source = sources[index] if index < len(sources) else None
            if index < len(statuses):
                created = self.days_ago(0, 10 if statuses[index] == "new" else 90)
            else:
                created = (
                    self.days_ago(0, HISTORY_DAYS) if self.chance(0.5) else self.days_ago(0, 120)
                )
            lead = self.lead_source(created, source)
            status = statuses[index] if index < len(statuses) else self.lead_status(created)
            region, country, _ = self.place()
            team = self.teams[words.REGIONS[region][0]]
            industry = self.pick({name: w for name, (w, _) in words.INDUSTRIES.items()})
            company, domain = self.company_name(industry, country, unique=False)
            first, last, _ = self.person(words.COUNTRIES[country][2])
            owner: User | None = self.team_member(team)
            if status == LeadStatus.NEW and self.chance(0.1):
                owner = None  # waiting in the team's queue
            lead.first_name, lead.last_name = first, last
            lead.title = self.rng.choice(words.POSITIONS) if self.chance(0.85) else ""
            lead.email = self.email(first, last, domain) if self.chance(0.9) else ""
            lead.phone = self.phone(country) if self.chance(0.65) else ""
            lead.company = company
            lead.industry = industry if self.chance(0.85) else ""
            lead.size_band = self.size_band() if self.chance(0.7) else ""
            lead.region = region if self.chance(0.9) else ""
            lead.website = f"https://www.{domain}" if self.chance(0.55) else ""
            lead.status = status
            if self.chance(0.2):
                lead.notes = self.rng.choice(words.LEAD_NOTES).format(
                    competitor=self.rng.choice(words.COMPETITORS), months=self.rng.randint(2, 12)
                )
            lead.owner = owner
            lead.team = team
            lead.visibility = self.visibility() if owner else Visibility.TEAM
            lead.created_at = created
            self.lifecycle(lead)
            self.leads.append(lead)
        for number, lead in enumerate(self.leads, 1):
            lead.external_id = f"{MARKER}lead:{number}"
        # Deals' and leads' BANT records first: both point at them.
        Qualification.objects.bulk_create(self.qualifications, batch_size=BATCH)
        Lead.objects.bulk_create(self.leads, batch_size=BATCH)

    def create_deals(self, histories: list[DealHistory], deal_leads: dict[int, Lead]) -> None:
        for index, lead in deal_leads.items():
            histories[index].deal.lead = lead
        self.deals = deals_create_with_history(histories, batch_size=BATCH)
        self.histories = histories
        self.stage_change_count = sum(
            len(h.path) + (h.outcome == Outcome.SUSPENDED) for h in histories
        )

    def create_products(self) -> None:
        """A small catalogue, and on every deal with an amount the product it is about: as many
        units as the amount buys, at the price that makes the amount (the amount is kept)."""
        admin = next(user for user in self.users if user.role == Role.ADMIN)
        self.products = [
            product_create(acting_user=admin, name=name, sku=sku, category=category,
                           unit_price=Decimal(price))
            for name, sku, category, price in words.CATALOGUE
        ]  # fmt: skip
        by_name = {product.name: product for product in self.products}
        lines = []
        for deal in self.deals:
            if not deal.amount:
                continue
            product = by_name.get(deal.name.rsplit(" - ", 1)[-1]) or self.rng.choice(self.products)
            quantity = max(1, round(deal.amount / product.unit_price))
            lines.append(
                DealLine(
                    deal=deal,
                    product=product,
                    quantity=Decimal(quantity),
                    unit_price=(deal.amount / quantity).quantize(Decimal("0.01")),
                    position=1,
                )
            )
        deal_lines_bulk_create(lines)
        self.deal_line_count = len(lines)

    def create_stakeholders(self) -> None:
        """Who decides and who champions, on deals that got far enough to know.

        A deal leaves the stage whose exit criterion is "the decision maker is known" only
        with one named among its stakeholders, so deals past that stage name one (and half of
        those still in it). Without that criterion: deals past the fourth stage.
        """
        by_account = {id(c.account): c.contacts for c in self.companies}
        positions = list(
            StageRequirement.objects.filter(
                stage__pipeline=self.pipeline, kind="decision_maker"
            ).values_list("stage__position", flat=True)
        )
        gate = min(positions, default=self.open_stages[min(3, len(self.open_stages) - 1)].position)
        stakeholders = []
        for history in self.histories:
            deal = history.deal
            beyond = [
                at
                for stage, at, _ in history.path
                if stage.position > gate and stage.kind != StageKind.LOST
            ]
            at_gate = [at for stage, at, _ in history.path if stage.position == gate]
            contacts = by_account.get(id(deal.account), [])
            if not contacts or not (beyond or (at_gate and self.chance(0.5))):
                continue
            known_at = at_gate[0] if at_gate else beyond[0]
            senior = [c for c in contacts if c.position in words.DECISION_POSITIONS]
            decider = self.rng.choice(senior or contacts)
            attitude = self.pick(
                {"supporter": 6, "neutral": 3, "opponent": 1}
                if history.outcome in WON_OUTCOMES
                else {"supporter": 2, "neutral": 4, "opponent": 3}
            )
            people = [(decider, StakeholderRole.DECISION_MAKER, attitude)]
            champion = deal.primary_contact
            if champion is not None and champion is not decider and self.chance(0.6):
                people.append((champion, StakeholderRole.CHAMPION, "supporter"))
            for contact, role, stance in people:
                stakeholders.append(
                    DealStakeholder(
                        deal=deal,
                        contact=contact,
                        role=role,
                        attitude=stance,
                        added_by=deal.owner,
                        created_at=known_at,
                        updated_at=known_at,
                    )
                )
        DealStakeholder.objects.bulk_create(stakeholders, batch_size=BATCH)
        self.stakeholder_count = len(stakeholders)

    def create_activities(self) -> None:
        planner = ActivityPlanner(
            rng=self.rng,
            now=self.now,
            histories=self.histories,
            leads=self.leads,
            contacts=self.contacts,
            accounts=[c.account for c in self.companies],
            sellers=self.sellers,
        )
        activities = planner.activities(total=self.sizes["activities"])
        Activity.objects.bulk_create(activities, batch_size=BATCH)
        self.activity_count = len(activities)
