"""Fuzzing that reaches the business logic: schemathesis bodies on real records.

tests/test_api_fuzz.py sends schema-generated requests with made-up ids, so nearly every one
ends at a 404 or 422. Here every request starts from a world of real records made through the
factories and services (accounts, contacts, leads, deals in the default pipeline at several
stages and outcomes, products, deal lines, quotes in every status with lines, activities), of
the signed-in rep, a teammate (team-shared, and private carrying MARKER) and a rep of another
team (shared with everyone; team-shared and private carrying MARKER in their texts). For each
operation below, hypothesis draws:

- the path parameters from those real ids (own, team-shared, read-only and another team's);
- a body or query that schemathesis generates from the OpenAPI schema (positive mode), in which
  ids, the stage, the version and fields with a format the schema does not state (currency,
  dates in range, e-mail, ...) are, most of the time, replaced by real, realistic values.

Each example runs inside a savepoint rolled back afterwards, so every request meets the same
world (a deal is not gone because an earlier example deleted it).

It runs once with a rep's token and once with an admin's. Every answer must:
- not be a 5xx (`not_a_server_error`);
- match the operation's OpenAPI response schema (`response_schema_conformance`);
- as the rep, not contain MARKER: nothing of another team's records that are not shared with
  everyone, nor of a teammate's private ones, is ever returned.

FUZZ_EXAMPLES (default 8) is the number of examples per operation and role; the run prints
how many requests each key operation sent and how many answered 2xx (docs/fuzzing.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from salesflow.api.api import api
from salesflow.leads.selectors import disqualification_reasons_active
from salesflow.leads.services import lead_qualification_record, lead_qualify
from salesflow.pipeline.models import Deal, LostReason, Pipeline
from salesflow.pipeline.services import deal_close
from salesflow.quotes.models import Quote
from salesflow.quotes.selectors import quote_settings
from salesflow.quotes.services import (
    deal_line_add,
    quote_create,
    quote_line_add,
    quote_reject,
    quote_send,
    quote_submit_for_approval,
)
from salesflow.quotes.tests.factories import ProductFactory
from salesflow.users.models import Visibility
from salesflow.users.services import token_create
from salesflow.wsgi import application
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ROOT = "/api/v1"
# By hand: FUZZ_ONLY="POST /deals/{deal_id}/lines" fuzzes the operations whose "METHOD path"
# contains it; FUZZ_DEBUG=all (or a part of a path) prints each request and its answer.
ONLY = os.environ.get("FUZZ_ONLY", "")
DEBUG = os.environ.get("FUZZ_DEBUG", "")
# Every text of the other team's records carries it; the rep must never get it back.
MARKER = "Zqxsouthsecret"

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application

# (method, path after /api/v1): the deal, lead and quote operations, and reads and edits of
# the other kinds, so the access rule is checked on every kind.
OPERATIONS = [
    ("GET", "/deals"),
    ("GET", "/deals/{deal_id}"),
    ("PATCH", "/deals/{deal_id}"),
    ("DELETE", "/deals/{deal_id}"),
    ("POST", "/deals/{deal_id}/move"),
    ("POST", "/deals/{deal_id}/close"),
    ("POST", "/deals/{deal_id}/reopen"),
    ("GET", "/deals/{deal_id}/history"),
    ("GET", "/deals/{deal_id}/blockers"),
    ("GET", "/deals/{deal_id}/qualification"),
    ("PUT", "/deals/{deal_id}/qualification"),
    ("GET", "/deals/{deal_id}/lines"),
    ("POST", "/deals/{deal_id}/lines"),
    ("PATCH", "/deal-lines/{line_id}"),
    ("PUT", "/deals/{deal_id}/lines/amount"),
    ("GET", "/deals/{deal_id}/quotes"),
    ("POST", "/deals/{deal_id}/quotes"),
    ("GET", "/leads"),
    ("GET", "/leads/{lead_id}"),
    ("PATCH", "/leads/{lead_id}"),
    ("POST", "/leads/{lead_id}/qualification"),
    ("POST", "/leads/{lead_id}/assign"),
    ("POST", "/leads/{lead_id}/convert"),
    ("POST", "/leads/{lead_id}/merge"),
    ("GET", "/leads/{lead_id}/duplicates"),
    ("GET", "/quotes/{quote_id}"),
    ("PATCH", "/quotes/{quote_id}"),
    ("POST", "/quotes/{quote_id}/lines"),
    ("PATCH", "/quotes/{quote_id}/lines/{line_id}"),
    ("DELETE", "/quotes/{quote_id}/lines/{line_id}"),
    ("POST", "/quotes/{quote_id}/submit"),
    ("POST", "/quotes/{quote_id}/approve"),
    ("POST", "/quotes/{quote_id}/decline"),
    ("POST", "/quotes/{quote_id}/send"),
    ("POST", "/quotes/{quote_id}/accept"),
    ("POST", "/quotes/{quote_id}/reject"),
    ("POST", "/quotes/{quote_id}/revise"),
    ("GET", "/accounts"),
    ("GET", "/accounts/{account_id}"),
    ("PATCH", "/accounts/{account_id}"),
    ("GET", "/contacts"),
    ("GET", "/contacts/{contact_id}"),
    ("PATCH", "/contacts/{contact_id}"),
    ("GET", "/activities"),
    ("GET", "/activities/{activity_id}"),
    ("PATCH", "/activities/{activity_id}"),
    ("POST", "/activities/{activity_id}/complete"),
    ("GET", "/products"),
    ("GET", "/search"),
]

# The operations the issue names: each must reach 2xx for the role (the rep may not approve or
# decline a quote: only a manager of the team or an admin does).
KEY_OPERATIONS = {
    "rep": [
        ("PATCH", "/deals/{deal_id}"),
        ("POST", "/deals/{deal_id}/move"),
        ("POST", "/deals/{deal_id}/close"),
        ("PUT", "/deals/{deal_id}/qualification"),
        ("POST", "/leads/{lead_id}/qualification"),
        ("PATCH", "/quotes/{quote_id}"),
        ("POST", "/quotes/{quote_id}/lines"),
        ("POST", "/quotes/{quote_id}/submit"),
        ("POST", "/quotes/{quote_id}/send"),
        ("POST", "/quotes/{quote_id}/accept"),
        ("POST", "/quotes/{quote_id}/reject"),
        ("POST", "/quotes/{quote_id}/revise"),
    ],
}
KEY_OPERATIONS["admin"] = [
    *KEY_OPERATIONS["rep"],
    ("POST", "/quotes/{quote_id}/approve"),
    ("POST", "/quotes/{quote_id}/decline"),
]


# Where an action makes sense, its records come first: drawn three times as often as the rest
# of the pool (which still holds other teams' records and records in the wrong state).
PREFERRED = {
    "/quotes/{quote_id}": "draft",
    "/quotes/{quote_id}/lines": "draft",
    "/quotes/{quote_id}/lines/{line_id}": "draft",
    "/quotes/{quote_id}/submit": "draft",
    "/quotes/{quote_id}/send": "draft",
    "/quotes/{quote_id}/approve": "pending",
    "/quotes/{quote_id}/decline": "pending",
    "/quotes/{quote_id}/accept": "sent",
    "/quotes/{quote_id}/reject": "sent",
    "/quotes/{quote_id}/revise": "decided",
    "/deals/{deal_id}": "open_deal",
    "/deals/{deal_id}/qualification": "open_deal",
    "/deals/{deal_id}/lines": "open_deal",
    "/deals/{deal_id}/move": "open_deal",
    "/deals/{deal_id}/close": "open_deal",
    "/deals/{deal_id}/reopen": "closed_deal",
    "/leads/{lead_id}": "own_lead",
    "/leads/{lead_id}/qualification": "own_lead",
    "/leads/{lead_id}/convert": "qualified_lead",
}


class World:
    """The records every example starts from, and the pools values are drawn from."""

    def __init__(self) -> None:
        self.pools: dict[str, list[Any]] = {}
        self.versions: dict[tuple[str, int], int] = {}
        self.quote_lines: dict[int, list[int]] = defaultdict(list)
        self.stages_of_deal: dict[int, list[Any]] = {}
        self.named: dict[str, list[int]] = {}
        self.stage_of_deal: dict[int, list[Any]] = {}
        self.realistic: dict[str, list[Any]] = {}


def world_build(*, rep: Any, teammate: Any, outsider: Any, admin: Any) -> World:
    world = World()
    today = timezone.localdate()
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("position"))
    campaign = CampaignFactory()
    products = [ProductFactory(), ProductFactory(currency="USD")]
    price_reason = LostReason.objects.filter(is_active=True).first() or LostReason.objects.first()

    accounts, contacts, leads, deals, activities, deal_lines = [], [], [], [], [], []

    def kind_set(owner: Any, visibility: str, label: str) -> Deal:
        account = AccountFactory(owner=owner, visibility=visibility, name=f"{label} Logistics")
        contact = ContactFactory(owner=owner, visibility=visibility, account=account)
        lead = LeadFactory(owner=owner, visibility=visibility, company=f"{label} Freight")
        deal = DealFactory(
            owner=owner,
            visibility=visibility,
            account=account,
            primary_contact=contact,
            name=f"{label} fleet renewal",
        )
        activity = ActivityFactory(owner=owner, visibility=visibility, deal=deal, subject=label)
        accounts.append(account)
        contacts.append(contact)
        leads.append(lead)
        deals.append(deal)
        activities.append(activity)
        return deal

    # The rep's own records: open deals at several stages, a won and a lost one.
    own = kind_set(rep, Visibility.TEAM, "Rep")
    second = DealFactory(owner=rep, account=own.account, stage=stages[min(2, len(stages) - 1)])
    deals.append(second)
    LeadFactory(owner=rep, company=own.account.name)  # a duplicate candidate
    leads.append(LeadFactory(owner=rep, status="working"))
    qualified = LeadFactory(owner=rep, status="working", company="Qualified Haulage")
    lead_qualification_record(
        qualified,
        acting_user=rep,
        budget_amount=Decimal("40000"),
        budget_currency="EUR",
        is_budget_confirmed=True,
        is_decision_maker=True,
        need="Track 40 vans",
        timeline_on=today + dt.timedelta(days=60),
    )
    lead_qualify(qualified, acting_user=rep)
    leads.append(qualified)
    won = DealFactory(owner=rep, account=own.account)
    deal_close(won, outcome="won", override_reason="Signed", acting_user=admin)
    lost = DealFactory(owner=rep, account=own.account)
    deal_close(lost, outcome="lost", lost_reason=price_reason, acting_user=admin)
    deals += [won, lost]
    # A teammate's team-shared records (the rep may change them) and private ones (the rep
    # reaches nothing of them either: they carry MARKER too).
    kind_set(teammate, Visibility.TEAM, "Teammate")
    kind_set(teammate, Visibility.PRIVATE, f"{MARKER} teammate")
    # Another team's: shared with everyone (read only), and team-shared or private with MARKER.
    kind_set(outsider, Visibility.EVERYONE, "Outsider public")
    marked_deals = []
    for visibility in (Visibility.TEAM, Visibility.PRIVATE):
        marked = kind_set(outsider, visibility, MARKER)
        marked_deals.append(marked)
        marked.primary_contact.last_name = MARKER
        marked.primary_contact.email = f"{MARKER.lower()}@example.org"
        marked.primary_contact.save()
        lead = leads[-1]
        lead.last_name = MARKER
        lead.save()

    # Deal lines and quotes in every status, on the rep's deal and on another team's.
    quotes: list[Quote] = []
    threshold = quote_settings().approval_discount_threshold
    for deal, actor in ((own, rep), (second, rep), (marked_deals[0], outsider), (won, rep)):
        deal_lines.append(deal_line_add(deal, acting_user=actor, product=products[0]))
    for deal, actor in ((own, rep), (second, rep), (marked_deals[0], outsider)):
        note = MARKER if actor is outsider else "For the fleet"
        draft = quote_create(deal, acting_user=actor, notes=note)
        quote_line_add(draft, acting_user=actor, product=products[0], quantity=3)
        quote_line_add(draft, acting_user=actor, description="Installation", unit_price=500)
        quotes.append(draft)
    pending = quote_create(own, acting_user=rep, discount_percent=threshold + 5)
    quote_line_add(pending, acting_user=rep, product=products[0])
    quote_submit_for_approval(pending, acting_user=rep)
    sent = quote_create(second, acting_user=rep)
    quote_line_add(sent, acting_user=rep, product=products[0])
    quote_send(sent, acting_user=rep)
    rejected = quote_create(own, acting_user=rep)
    quote_line_add(rejected, acting_user=rep, description="Trackers", unit_price=90)
    quote_send(rejected, acting_user=rep)
    quote_reject(rejected, acting_user=rep, note="Too dear")
    empty = quote_create(own, acting_user=rep)
    quotes += [pending, sent, rejected, empty]
    world.named = {
        "draft": [quotes[0].pk, quotes[1].pk],
        "pending": [pending.pk],
        "sent": [sent.pk],
        "decided": [sent.pk, rejected.pk],
        "open_deal": [own.pk, second.pk],
        "closed_deal": [won.pk, lost.pk],
        "own_lead": [lead.pk for lead in leads if lead.owner_id == rep.pk],
        "qualified_lead": [qualified.pk],
    }

    for quote in quotes:
        quote.refresh_from_db()
        world.versions[("quote", quote.pk)] = quote.version
        world.quote_lines[quote.pk] = list(quote.lines.values_list("pk", flat=True))
    for deal in deals:
        deal.refresh_from_db()
        world.versions[("deal", deal.pk)] = deal.version
        own_stages = list(deal.pipeline.stages.order_by("position"))
        world.stages_of_deal[deal.pk] = [s.pk for s in own_stages] + [s.name for s in own_stages]
        world.stage_of_deal[deal.pk] = [deal.stage_id, deal.stage.name]
    for lead in leads:
        lead.refresh_from_db()
        world.versions[("lead", lead.pk)] = lead.version
    for activity in activities:
        activity.refresh_from_db()
        world.versions[("activity", activity.pk)] = activity.version
    for account in accounts:
        world.versions[("account", account.pk)] = getattr(account, "version", 1)
    for contact in contacts:
        world.versions[("contact", contact.pk)] = getattr(contact, "version", 1)

    users = [rep, teammate, outsider, admin]
    world.pools = {
        "deal_id": [d.pk for d in deals],
        "lead_id": [lead.pk for lead in leads],
        "duplicate_id": [*(lead.pk for lead in leads), None],
        "quote_id": [q.pk for q in quotes],
        "account_id": [a.pk for a in accounts],
        "contact_id": [*(c.pk for c in contacts), None],
        "primary_contact_id": [c.pk for c in contacts],
        "activity_id": [a.pk for a in activities],
        "product_id": [*(p.pk for p in products), None],
        "deal_line_id": [line.pk for line in deal_lines],
        "owner_id": [u.pk for u in users],
        "assigned_to_id": [u.pk for u in users],
        "pipeline_id": [pipeline.pk],
        "stage_id": [s.pk for s in stages],
        "campaign_id": [campaign.pk],
        "lost_reason_id": [*LostReason.objects.values_list("pk", flat=True), None, None, None],
        "reason": [*LostReason.objects.values_list("pk", flat=True), None],
        "disqualification_reason_id": list(
            disqualification_reasons_active().values_list("pk", flat=True)
        ),
    }
    soon = [(today + dt.timedelta(days=days)).isoformat() for days in (0, 14, 45)]
    world.realistic = {
        "custom": [{}],
        "currency": ["EUR", "USD"],
        "budget_currency": ["EUR", "USD"],
        "email": ["ana.silva@example.org", ""],
        "phone": ["+49 30 1234567", ""],
        "website": ["https://example.org", ""],
        "valid_until": soon,
        "expected_close_on": soon,
        "timeline_on": soon,
        "closed_on": [today.isoformat()],
        "due_at": [(timezone.now() + dt.timedelta(days=2)).isoformat()],
        "override_reason": ["Customer signed the order form", ""],
        "note": ["Spoke with the buyer", ""],
        "name": ["Fleet renewal 2027"],
        "deal_name": ["Fleet renewal 2027"],
        "description": ["Tracker installation"],
        "q": [MARKER[:7], MARKER, "Rep", "a"],
        "discount_percent": ["0", "5", str(threshold + 5)],
        "quantity": ["1", "3"],
        "unit_price": ["100.00", "2500"],
        "tax_rate": ["20", "0"],
        "amount": ["12000", "0"],
        "budget_amount": ["50000"],
        "pain_level": [3],
        "is_decision_maker": [True, False],
        "decision_maker_name": ["Maria Lopez", ""],
        "need": ["Track 40 vans in real time"],
        "is_budget_confirmed": [True, False],
        "status": ["qualified", "disqualified"],
        "invitation_outcome": [""],
        "no_next_step_reason": ["The customer decides in March"],
        "next_step": [
            None,
            {
                "type": "call",
                "subject": "Follow up",
                "due_at": (today + dt.timedelta(days=3)).isoformat() + "T09:00:00Z",
            },
        ],
    }
    return world


def _target(path: str) -> tuple[str, str]:
    """The kind and path parameter the operation acts on (for `version` and `stage`)."""
    for kind in ("quote", "deal", "lead", "activity", "account", "contact"):
        if "{" + kind + "_id}" in path:
            return kind, kind + "_id"
    return "", ""


def _draw_path(data: Any, world: World, path: str) -> dict[str, Any]:
    names = re.findall(r"{(\w+)}", path)
    chosen: dict[str, Any] = {}
    for index, name in enumerate(names):
        if name == "line_id" and "quote_id" in chosen:
            pool = world.quote_lines.get(chosen["quote_id"]) or [0]
            pool = pool + [pk for lines in world.quote_lines.values() for pk in lines][:2]
        elif name == "line_id":
            pool = world.pools["deal_line_id"]
        else:
            pool = [pk for pk in world.pools[name] if pk is not None]
            if index == 0:
                pool = world.named.get(PREFERRED.get(path, ""), []) * 3 + pool
        chosen[name] = data.draw(st.sampled_from(pool), label=name)
    return chosen


def _body_properties(method: str, path: str) -> list[str]:
    """The names of the JSON body's properties (the request schema is a $ref or an anyOf
    of one $ref and null)."""
    raw = schema.raw_schema
    body = raw["paths"][ROOT + path][method.lower()].get("requestBody")
    if not body:
        return []
    found = body["content"]["application/json"]["schema"]
    for option in found.get("anyOf", [found]):
        if "$ref" in option:
            name = option["$ref"].rsplit("/", 1)[-1]
            return list(raw["components"]["schemas"][name].get("properties", {}))
    return list(found.get("properties", {}))


def _realistic_value(
    data: Any,
    world: World,
    key: str,
    generated: Any,
    version: int | None,
    stages: list[Any],
    current: list[Any],
) -> Any:
    if key == "version":
        choices = [version, version, None, generated] if version else [None, generated]
    elif key == "stage":
        choices = [*stages, generated] if stages else [generated]
    elif key == "from_stage":
        choices = [*current, None, generated] if current else [None, generated]
    elif key in world.pools:
        choices = [*world.pools[key], generated]
    elif key in world.realistic:
        choices = [*world.realistic[key], generated]
    else:
        return generated
    return data.draw(st.sampled_from(choices), label=key)


def _fill(data: Any, world: World, case: Any, path: str, chosen: dict[str, Any]) -> None:
    """Replace the generated ids, version, stage and free-format fields by real values."""
    kind, param = _target(path)
    version = world.versions.get((kind, chosen.get(param, 0)))
    if kind == "quote" and "line_id" in chosen:
        version = world.versions.get(("quote", chosen["quote_id"]))
    stages = world.stages_of_deal.get(chosen.get("deal_id", 0), [])
    current = world.stage_of_deal.get(chosen.get("deal_id", 0), [])
    properties = _body_properties(case.method, path)
    added: set[str] = set()
    if properties and not isinstance(case.body, dict):
        case.body = {}
    if properties and isinstance(case.body, dict):
        # Fields the generated body left out: some are added with realistic values.
        for key in properties:
            values = world.pools.get(key) or world.realistic.get(key)
            if key == "version":
                values = [version] if version else []
            elif key == "stage":
                values = stages
            elif key == "from_stage":
                values = current
            if key not in case.body and values and data.draw(st.booleans(), label=f"add {key}"):
                case.body[key] = data.draw(st.sampled_from(values), label=key)
                added.add(key)
    if isinstance(case.body, dict):
        for key in list(case.body):
            if key not in added:
                case.body[key] = _realistic_value(
                    data, world, key, case.body[key], version, stages, current
                )
    if case.query:
        for key in list(case.query):
            case.query[key] = _realistic_value(data, world, key, case.query[key], None, [], [])


def _without_echo(response: Any) -> str:
    """The answer's text, less the search words it repeats (`q`, which may hold MARKER)."""
    try:
        answer = response.json()
    except ValueError:
        return response.text
    if isinstance(answer, dict):
        answer.pop("q", None)
    return json.dumps(answer, ensure_ascii=False)


@pytest.fixture
def world(rep, teammate, outsider, admin_user, wsgi_keeps_the_test_connection) -> World:
    return world_build(rep=rep, teammate=teammate, outsider=outsider, admin=admin_user)


def _fuzz_operation(
    method: str, path: str, *, world: World, headers: dict[str, str], role: str, stats: dict
) -> None:
    operation = schema[ROOT + path][method]
    # One strategy per operation; the drawn path parameters replace the generated ones.
    cases = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(data: Any) -> None:
        chosen = _draw_path(data, world, path)
        case = data.draw(cases, label="case")
        case.path_parameters = {**(case.path_parameters or {}), **chosen}
        _fill(data, world, case, path, chosen)
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                stats["sent"] += 1
                if 200 <= response.status_code < 300:
                    stats["ok"] += 1
                stats[response.status_code] += 1
                if DEBUG and (DEBUG == "all" or DEBUG in path):
                    print(
                        method, path, chosen, case.body, response.status_code, response.text[:300]
                    )
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
                if role == "rep":
                    answer = _without_echo(response)
                    assert MARKER.lower() not in answer.lower(), (
                        f"{method} {path} {chosen} returned another team's record to a rep: "
                        f"{answer[:500]}"
                    )
            finally:
                transaction.set_rollback(True)

    run()


@pytest.mark.parametrize("role", ["rep", "admin"])
def test_fuzz_on_real_records(role, world, rep, admin_user, capsys):
    user = {"rep": rep, "admin": admin_user}[role]
    headers = {"Authorization": f"Bearer {token_create(user=user)[1]}"}
    statistics: dict[tuple[str, str], dict] = {}
    failures: list[str] = []
    for method, path in OPERATIONS:
        stats = statistics[(method, path)] = defaultdict(int)
        if ONLY and ONLY not in f"{method} {path}":
            continue
        try:
            _fuzz_operation(method, path, world=world, headers=headers, role=role, stats=stats)
        except (Exception, BaseExceptionGroup) as error:  # every operation; all failures listed
            failures.append(f"{method} {path}: {type(error).__name__}: {error}"[:3000])

    sent = sum(s["sent"] for s in statistics.values())
    ok = sum(s["ok"] for s in statistics.values())
    key_sent = sum(statistics[op]["sent"] for op in KEY_OPERATIONS[role])
    key_ok = sum(statistics[op]["ok"] for op in KEY_OPERATIONS[role])
    lines = [
        f"\nfuzz on real records as {role}: {sent} requests, {ok} 2xx "
        f"({100 * ok / max(sent, 1):.0f}%); key operations {key_ok}/{key_sent} 2xx "
        f"({100 * key_ok / max(key_sent, 1):.0f}%)"
    ]
    for (method, path), stats in statistics.items():
        codes = ", ".join(
            f"{code}: {n}" for code, n in sorted(c for c in stats.items() if isinstance(c[0], int))
        )
        lines.append(f"  {method:6} {path:42} {stats['ok']:3}/{stats['sent']:3} 2xx  ({codes})")
    with capsys.disabled():
        print("\n".join(lines))

    assert not failures, "\n\n".join(failures)
    never = [
        f"{m} {p}"
        for m, p in KEY_OPERATIONS[role]
        if not statistics[(m, p)]["ok"] and (not ONLY or ONLY in f"{m} {p}")
    ]
    assert not never, f"never reached 2xx as {role}: {never}"
