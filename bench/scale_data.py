"""The data `bench/run.py` measures on: deterministic per seed, sized by one scale factor.

Scale 1 (issue #10 point 4): 10,000 accounts, 100,000 contacts, 100,000 leads, 100,000 deals
(30,000 of them open, all in the default pipeline) with their stage histories, and 1,000,000
activities; owned by 4 teams of 5 reps and a manager each, plus an admin. Rows are written with
`bulk_create` in large batches (no services: this is the data, not what is measured). Leads carry
a custom number field, `total_visits`, defined through the custom-field service before the rows
are written, so its expression index exists (issue #15 point 2).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

FULL = {
    "accounts": 10_000,
    "contacts": 100_000,
    "leads": 100_000,
    "deals": 100_000,
    "open_deals": 30_000,
    "activities": 1_000_000,
}
TEAMS = 4
REPS_PER_TEAM = 5
BATCH = 5_000
CUSTOM_KEY = "total_visits"

FIRST = ["Anna", "Bernd", "Clara", "David", "Eva", "Felix", "Greta", "Hans", "Ida", "Jonas",
         "Karla", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sven", "Tina",
         "Zoe"]  # fmt: skip
LAST = ["Müller", "Schmidt", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Koch", "Klein",
        "Wolf", "Novak", "Rossi", "Dubois", "Jansen", "Nielsen", "Garcia", "Lopez",
        "Hansen"]  # fmt: skip
WORDS = ["Acme", "Global", "Nord", "Alpine", "Blue", "River", "Stone", "Bright", "Iron", "Silver",
         "Green", "Delta", "Orbit", "Vertex", "Summit", "Harbor", "Pioneer", "Solar"]  # fmt: skip
TRADES = ["Logistics", "Software", "Energy", "Foods", "Robotics", "Health", "Media", "Finance"]
INDUSTRIES = ["Logistics", "Retail", "Software", "Manufacturing", "Healthcare"]
REGIONS = ["Europe", "North America", "Asia", "Latin America"]
ACTIVITY_TYPES = ["call", "email", "meeting", "visit", "demo", "note", "task"]


def sizes(scale: float) -> dict[str, int]:
    """Row counts at a scale; never fewer than a handful, so every page has something."""
    minimum = {"accounts": 10, "contacts": 50, "leads": 50, "deals": 50, "open_deals": 15,
               "activities": 200}  # fmt: skip
    return {k: max(minimum[k], round(v * scale)) for k, v in FULL.items()}


def database_is_empty() -> bool:
    """No users and no records: what migrations leave (they seed settings, never records)."""
    from salesflow.activities.models import Activity
    from salesflow.customers.models import Account, Contact
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal
    from salesflow.users.models import User

    models = (User, Account, Contact, Lead, Deal, Activity)
    return not any(m.objects.exists() for m in models)


def existing() -> dict[str, Any] | None:
    """What `build` returned, read back from a database it filled earlier (None if it did not):
    lets several runs (or people) share one built file (`bench/run.py --database PATH`)."""
    from salesflow.activities.models import Activity
    from salesflow.customers.models import Account, Contact
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal, Outcome, StageChange
    from salesflow.pipeline.selectors import pipeline_default
    from salesflow.users.models import User

    admin = User.objects.filter(username="bench-admin").first()
    if admin is None:
        return None
    reps = [
        (rep, rep.teams.get())
        for rep in User.objects.filter(username__startswith="bench-rep-").order_by("pk")
    ]
    open_deals = list(
        Deal.objects.filter(outcome=Outcome.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    counts = {
        "accounts": len(accounts), "contacts": Contact.objects.count(),
        "leads": Lead.objects.count(), "deals": Deal.objects.count(),
        "open_deals": len(open_deals), "activities": Activity.objects.count(),
        "stage_changes": StageChange.objects.count(),
    }  # fmt: skip
    return {
        "admin": admin,
        "rep": reps[0][0],
        "manager": User.objects.get(username="bench-manager-0"),
        "reps": reps,
        "counts": counts,
        "timings": {},
        "deal": open_deals[len(open_deals) // 2],
        "account": accounts[len(accounts) // 2],
        "pipeline": pipeline_default(),
    }


def _people(rng: random.Random) -> dict[str, Any]:
    from salesflow.users.models import Role
    from salesflow.users.services import user_create

    admin = user_create(username="bench-admin", role=Role.ADMIN)
    reps, managers = [], []
    for t in range(TEAMS):
        managers.append(
            user_create(username=f"bench-manager-{t}", role=Role.MANAGER, team_name=f"Team {t}")
        )
        for r in range(REPS_PER_TEAM):
            rep = user_create(username=f"bench-rep-{t}-{r}", role=Role.REP, team_name=f"Team {t}")
            reps.append((rep, rep.teams.get()))
    return {"admin": admin, "rep": reps[0][0], "manager": managers[0], "reps": reps}


def build(scale: float, seed: int = 10, *, log: Any = print) -> dict[str, Any]:
    """Fill the (empty, migrated) database; returns the users and a few records to look at."""
    from django.db import connection
    from django.utils import timezone

    from salesflow.activities.models import Activity
    from salesflow.core.normalize import company_key, name_key, person_name_key
    from salesflow.customers.models import Account, Contact
    from salesflow.customfields.services import custom_field_create
    from salesflow.demo.generator import timestamps_as_given
    from salesflow.leads.models import Lead
    from salesflow.pipeline.models import Deal, LostReason, Outcome, StageChange
    from salesflow.pipeline.selectors import pipeline_default

    n = sizes(scale)
    rng = random.Random(seed)
    now = timezone.now()
    timings: dict[str, float] = {}
    people = _people(rng)
    reps = people["reps"]
    custom_field_create(
        acting_user=people["admin"], kind="lead", key=CUSTOM_KEY, type="number",
        label="Total visits",
    )  # fmt: skip

    def owned() -> dict[str, Any]:
        user, team = rng.choice(reps)
        visibility = rng.choices(["team", "private", "everyone"], cum_weights=[7, 9, 10])[0]
        return {"owner": user, "team": team, "visibility": visibility}

    def company() -> str:
        return f"{rng.choice(WORDS)} {rng.choice(TRADES)} {rng.randrange(10_000)}"

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(seconds=rng.uniform(0, days) * 86400)

    def batches(total: int, make: Any, model: Any) -> list[int]:
        t0, ids = time.perf_counter(), []
        for start in range(0, total, BATCH):
            rows = [make(i) for i in range(start, min(total, start + BATCH))]
            ids += [r.pk for r in model.objects.bulk_create(rows)]
        timings[model._meta.model_name] = time.perf_counter() - t0
        return ids

    def account(i: int) -> Account:
        name = company()
        return Account(
            name=name, name_key=name_key(name), industry=rng.choice(INDUSTRIES),
            region=rng.choice(REGIONS), website=f"https://a{i}.example", **owned(),
        )  # fmt: skip

    accounts = batches(n["accounts"], account, Account)

    def person(i: int, model: Any, **extra: Any) -> Any:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        return model(
            first_name=first, last_name=last, name_key=person_name_key(first, last),
            email=f"{first.lower()}.{i}@example.com", phone=f"+4930{rng.randrange(10**6, 10**7)}",
            **extra, **owned(),
        )  # fmt: skip

    contacts = batches(
        n["contacts"], lambda i: person(i, Contact, account_id=rng.choice(accounts)), Contact
    )

    def lead(i: int) -> Lead:
        name = company()
        return person(
            i, Lead, company=name, company_key=company_key(name), external_id=f"BL-{i:07d}",
            channel="inbound", source=rng.choice(["seo", "referral", "social", "other"]),
            status=rng.choices(["new", "working", "qualified"], cum_weights=[5, 9, 10])[0],
            industry=rng.choice(INDUSTRIES), region=rng.choice(REGIONS),
            score=rng.randrange(0, 100), custom={CUSTOM_KEY: rng.randrange(0, 60)},
        )  # fmt: skip

    leads = batches(n["leads"], lead, Lead)

    pipeline = pipeline_default()
    stages = list(pipeline.stages.order_by("position"))
    open_stages = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    reason = LostReason.objects.order_by("pk").first()
    t0, deals, open_deals, changes = time.perf_counter(), [], [], 0
    with timestamps_as_given(Deal):
        for start in range(0, n["deals"], BATCH):
            rows, paths = [], []
            for i in range(start, min(n["deals"], start + BATCH)):
                is_open = i < n["open_deals"]
                created = ago(540)
                depth = rng.randint(1, len(open_stages))
                moment, path = created, []
                for stage in open_stages[:depth]:
                    path.append((stage, moment))
                    moment += dt.timedelta(hours=rng.randint(6, 24 * 20))
                if depth > 2 and rng.random() < 0.2:  # a detour back
                    path.append((open_stages[depth - 2], moment))
                outcome = Outcome.OPEN
                if not is_open:
                    outcome = Outcome.WON if rng.random() < 0.4 else Outcome.LOST
                    path.append((won if outcome == Outcome.WON else lost, moment))
                moment = min(moment, now)
                closed = None if is_open else moment
                rows.append(
                    Deal(
                        name=f"{rng.choice(WORDS)} deal {i}", account_id=rng.choice(accounts),
                        primary_contact_id=rng.choice(contacts),
                        lead_id=rng.choice(leads) if i % 3 == 0 else None, pipeline=pipeline,
                        stage=path[-1][0], stage_entered_at=min(path[-1][1], now),
                        amount=Decimal(rng.randrange(1_000, 200_000)), currency="EUR",
                        outcome=outcome, closed_at=closed,
                        lost_reason=reason if outcome == Outcome.LOST else None,
                        closed_on=closed.date() if closed else None,
                        expected_close_on=(now + dt.timedelta(days=rng.randint(-30, 120))).date(),
                        external_id=f"BD-{i:07d}", created_at=created, updated_at=moment,
                        **owned(),
                    )
                )  # fmt: skip
                paths.append(path)
            made = Deal.objects.bulk_create(rows)
            history = []
            for deal, path in zip(made, paths, strict=True):
                deals.append(deal.pk)
                if deal.outcome == Outcome.OPEN:
                    open_deals.append(deal.pk)
                previous = None
                for stage, at in path:
                    terminal = stage.kind != "open"
                    history.append(
                        StageChange(
                            deal=deal, from_stage=previous, to_stage=stage,
                            from_outcome="" if previous is None else Outcome.OPEN,
                            to_outcome=deal.outcome if terminal else Outcome.OPEN,
                            changed_at=min(at, now),
                            is_backward=previous is not None and not terminal
                            and stage.position < previous.position,
                        )
                    )  # fmt: skip
                    previous = stage
            StageChange.objects.bulk_create(history, batch_size=BATCH)
            changes += len(history)
    timings["deal"] = time.perf_counter() - t0

    def activity(i: int) -> Activity:
        kind = rng.choices(("deal", "lead", "contact", "account"), cum_weights=[5, 7, 9, 10])[0]
        link: dict[str, Any] = {}
        if kind == "deal":
            link["deal_id"] = rng.choice(open_deals) if i % 4 == 0 else rng.choice(deals)
        elif kind == "lead":
            link["lead_id"] = rng.choice(leads)
        elif kind == "contact":
            link["contact_id"] = rng.choice(contacts)
        else:
            link["account_id"] = rng.choice(accounts)
        is_open = i % 20 == 0  # one in twenty still to do: the agendas of My day
        due = now + dt.timedelta(days=rng.uniform(-14, 21)) if is_open else None
        return Activity(
            type=rng.choice(ACTIVITY_TYPES), subject=f"{rng.choice(WORDS)} follow-up {i}",
            due_at=due, done_at=None if is_open else ago(540), **link, **owned(),
        )  # fmt: skip

    batches(n["activities"], activity, Activity)
    # The deal's cached next step (written by the activity services in normal use).
    deal_table, activity_table = Deal._meta.db_table, Activity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {deal_table} SET open_activity_count = (SELECT COUNT(*) FROM "  # noqa: S608
            f"{activity_table} a WHERE a.deal_id = {deal_table}.id AND a.done_at IS NULL), "
            f"next_activity_at = (SELECT MIN(a.due_at) FROM {activity_table} a "
            f"WHERE a.deal_id = {deal_table}.id AND a.done_at IS NULL)"
        )
        # A steady state, not the minutes after a bulk load (VACUUM cannot run in a transaction:
        # under a test's transaction, statistics only).
        steady = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if steady else "ANALYZE")
    counts = dict(n, stage_changes=changes)
    return {
        **people,
        "counts": counts,
        "timings": timings,
        "deal": open_deals[len(open_deals) // 2],
        "account": accounts[len(accounts) // 2],
        "pipeline": pipeline,
    }
