"""The demo's activities: each seller's agenda (due today, overdue, coming up) and a past of
calls, emails, meetings, visits, demos, notes and tasks on deals, leads, contacts and accounts."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from django.utils import timezone

from salesflow.activities.models import Activity, ActivityType
from salesflow.customers.models import Account, Contact, Tier
from salesflow.demo import words
from salesflow.demo.dice import HISTORY_DAYS, Dice
from salesflow.leads.models import Lead, LeadStatus
from salesflow.pipeline.models import Outcome
from salesflow.pipeline.services import DealHistory
from salesflow.users.models import Role, User


@dataclass
class _Target:
    """A record activities hang on, with the window in which they happened."""

    kind: str
    record: Any
    start: dt.datetime
    end: dt.datetime
    weight: float = 1.0


class ActivityPlanner(Dice):
    """Makes (unsaved) activities for records that exist, each in its record's lifetime.

    An activity belongs to its record's owner and team and shares its visibility, so whoever
    may read the record may read what was done on it.
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        now: dt.datetime,
        histories: list[DealHistory],
        leads: list[Lead],
        contacts: list[Contact],
        accounts: list[Account],
        sellers: list[User],
    ) -> None:
        super().__init__(rng=rng, now=now)
        self.histories = histories
        self.leads = leads
        self.contacts = contacts
        self.accounts = accounts
        self.sellers = sellers

    def activities(self, *, total: int) -> list[Activity]:
        """`total` activities: every seller's open agenda first, the rest done in the past."""
        activities = self.open_activities()
        targets = self.activity_targets()
        for _ in range(max(0, total - len(activities))):
            kind = self.pick({"deal": 50, "lead": 22, "contact": 18, "account": 10})
            pool, cum_weights = targets[kind] if targets[kind][0] else targets["account"]
            # Cumulative weights computed once: `weights=` would rebuild them on every draw,
            # which made the load quadratic in the number of records.
            target = self.rng.choices(pool, cum_weights=cum_weights)[0]
            activities.append(self.done_activity(target))
        return activities

    def activity_targets(self) -> dict[str, tuple[list[_Target], list[float]]]:
        earliest = self.now - dt.timedelta(days=HISTORY_DAYS)
        targets: dict[str, list[_Target]] = {"deal": [], "lead": [], "contact": [], "account": []}
        for history in self.histories:
            deal = history.deal
            end = deal.closed_at or self.now
            targets["deal"].append(_Target("deal", deal, deal.created_at, end, len(history.path)))
        for lead in self.leads:
            if lead.owner_id and lead.status != LeadStatus.NEW:
                end = min(self.now, lead.created_at + dt.timedelta(days=60))
                targets["lead"].append(_Target("lead", lead, lead.created_at, end))
        for contact in self.contacts:
            targets["contact"].append(
                _Target("contact", contact, max(earliest, contact.created_at), self.now)
            )
        for account in self.accounts:
            weight = {Tier.A: 3, Tier.B: 2, Tier.C: 1}[account.tier]
            targets["account"].append(_Target("account", account, earliest, self.now, weight))
        return {k: (v, list(accumulate(t.weight for t in v))) for k, v in targets.items()}

    def link(self, activity: Activity, target: _Target) -> None:
        record = target.record
        if target.kind == "deal":
            activity.deal, activity.account = record, record.account
            if record.primary_contact_id and self.chance(0.5):
                activity.contact = record.primary_contact
        elif target.kind == "lead":
            activity.lead = record
        elif target.kind == "contact":
            activity.contact, activity.account = record, record.account
        else:
            activity.account = record
        activity.owner = record.owner
        activity.team = record.team
        activity.visibility = record.visibility

    def subject(self, kind: str, target: _Target) -> str:
        record = target.record
        person = company = ""
        if target.kind == "deal":
            company = record.account.name
            person = record.primary_contact.full_name if record.primary_contact else ""
        elif target.kind == "lead":
            company, person = record.company, record.full_name
        elif target.kind == "contact":
            company = record.account.name if record.account else ""
            person = record.full_name
        else:
            company = record.name
        templates = words.ACTIVITY_SUBJECTS[kind]
        if not person:
            templates = [t for t in templates if "{person}" not in t] or templates
        return self.rng.choice(templates).format(
            person=person or "the customer",
            company=company or "the customer",
            city=self.rng.choice(words.COUNTRIES[self.rng.choice(list(words.COUNTRIES))][3]),
            industry=(getattr(record, "industry", "") or "logistics").lower(),
            position=self.rng.choice(words.POSITIONS),
            competitor=self.rng.choice(words.COMPETITORS),
            destination=self.rng.choice(words.DESTINATIONS),
        )[:200]

    def done_activity(self, target: _Target) -> Activity:
        kind = self.pick(words.ACTIVITY_MIX[target.kind])
        start, end = target.start, max(target.start, min(target.end, self.now))
        done = self.at_work(start + (end - start) * self.rng.random())
        done = max(done, start)
        planned = kind in ("meeting", "visit", "demo", "task") or (
            kind == "call" and self.chance(0.5)
        )
        created = done
        if planned:
            created = max(start, done - dt.timedelta(days=self.rng.uniform(0.5, 10)))
        activity = Activity(
            type=ActivityType(kind),
            subject=self.subject(kind, target),
            body=self.rng.choice(words.ACTIVITY_BODIES) if self.chance(0.3) else "",
            due_at=done if planned else None,
            done_at=done,
            outcome=self.rng.choice(words.ACTIVITY_OUTCOMES[kind])
            if kind in words.ACTIVITY_OUTCOMES and self.chance(0.7)
            else "",
            created_at=created,
            updated_at=done,
        )
        self.link(activity, target)
        return activity

    def open_activities(self) -> list[Activity]:
        """Each seller's agenda: a few things due today, some overdue, more coming up."""
        activities = []
        local_now = timezone.localtime(self.now)
        for user in self.sellers:
            own = self.own_targets(user)
            if not own:
                continue
            plan = (
                [0] * self.rng.randint(2, 4)
                + [-self.rng.randint(1, 14) for _ in range(self.rng.randint(3, 6))]
                + [self.rng.randint(1, 21) for _ in range(self.rng.randint(4, 9))]
            )
            for offset in plan:
                day = local_now.date() + dt.timedelta(days=offset)
                clock = dt.time(self.rng.randint(8, 17), self.rng.choice((0, 15, 30, 45)))
                due = timezone.make_aware(dt.datetime.combine(day, clock))
                target = self.rng.choice(own)
                kind = self.pick({"task": 35, "call": 35, "meeting": 15, "email": 10, "demo": 5})
                created = min(self.now, due) - dt.timedelta(days=self.rng.uniform(1, 10))
                activity = Activity(
                    type=ActivityType(kind),
                    subject=self.subject(kind, target),
                    due_at=due,
                    created_at=max(created, target.start),
                    updated_at=max(created, target.start),
                )
                self.link(activity, target)
                if activity.owner_id != user.pk:  # a manager's review of a rep's deal
                    activity.owner = user
                activities.append(activity)
        return activities

    def own_targets(self, user: User) -> list[_Target]:
        """Open records the user owns: open deals first, then leads being worked, then accounts.
        A manager owns no records: their agenda is about their team's open deals (deal reviews,
        joint calls with the rep)."""
        earliest = self.now - dt.timedelta(days=HISTORY_DAYS)
        if user.role == Role.MANAGER:
            teams = set(user.teams.values_list("pk", flat=True))
            return [
                _Target("deal", h.deal, h.deal.created_at, self.now)
                for h in self.histories
                if h.outcome == Outcome.OPEN and h.deal.team_id in teams
            ][:20]
        deals = [
            _Target("deal", h.deal, h.deal.created_at, self.now)
            for h in self.histories
            if h.deal.owner_id == user.pk and h.outcome == Outcome.OPEN
        ]
        leads = [
            _Target("lead", lead, lead.created_at, self.now)
            for lead in self.leads
            if lead.owner_id == user.pk and lead.status in (LeadStatus.NEW, LeadStatus.WORKING)
        ]
        accounts = [
            _Target("account", account, earliest, self.now)
            for account in self.accounts
            if account.owner_id == user.pk
        ]
        return (deals + leads)[:60] or accounts
