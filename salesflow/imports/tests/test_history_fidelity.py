"""A history survives the move (issue 11 point 8): deals built through the services the UI
uses, exported from the deal list as CSV, imported into an emptied database, come back with the
same stage history (stages and moments), amounts, owners, teams and products, except the moments
the file did not carry, which come back flagged estimated."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine

from conftest import client_for
from salesflow.customers.models import Account
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.pipeline.models import Deal, Outcome, StageChange
from salesflow.pipeline.services import deal_close, deal_create, deal_move
from salesflow.quotes.models import DealLine
from salesflow.quotes.services import deal_amount_follow_lines, deal_line_add
from salesflow.quotes.tests.factories import ProductFactory
from tests.factories import AccountFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db

OVERRIDE = "Recorded from the customer's file"


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:15:00+00:00")


def step(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def build_history(admin_user, rep, outsider):
    """Three deals, built as the UI builds them, at their real moments."""
    pro = ProductFactory(name="Fleet Pro", unit_price=Decimal(1200))
    basic = ProductFactory(name="Fleet Basic", unit_price=Decimal(300))
    acme = AccountFactory(name="Acme", owner=rep)
    globex = AccountFactory(name="Globex", owner=outsider)

    # Won, through every stage, two seats of Fleet Pro (the amount follows the line).
    with step(at("2026-01-05")):
        won = deal_create(acting_user=rep, name="Acme fleet", account=acme, amount=Decimal(1))
        deal_line_add(won, acting_user=rep, product=pro, quantity=2)
        won.refresh_from_db()
        deal_amount_follow_lines(won, acting_user=rep, follow=True)
    for day, stage in [
        ("2026-01-12", "Qualification"), ("2026-01-20", "Needs assessment"),
        ("2026-02-02", "Presentation / demo"), ("2026-02-16", "Proposal and objections"),
        ("2026-03-01", "Closing"),
    ]:  # fmt: skip
        with step(at(day)):
            won.refresh_from_db()
            deal_move(won, to_stage=stage_named(stage), acting_user=admin_user,
                      override_reason=OVERRIDE)  # fmt: skip
    with step(at("2026-03-09")):
        won.refresh_from_db()
        deal_close(won, outcome=Outcome.WON, acting_user=admin_user, override_reason=OVERRIDE)

    # Lost after qualification, South's deal, no product, a typed amount.
    with step(at("2026-02-03")):
        lost = deal_create(acting_user=outsider, name="Globex pilot", account=globex,
                           amount=Decimal("4500.50"))  # fmt: skip
    with step(at("2026-02-10")):
        lost.refresh_from_db()
        deal_move(lost, to_stage=stage_named("Qualification"), acting_user=admin_user,
                  override_reason=OVERRIDE)  # fmt: skip
    with step(at("2026-02-24")):
        lost.refresh_from_db()
        deal_close(lost, outcome=Outcome.LOST, acting_user=outsider,
                   lost_reason=lost_reason("Price too high"))  # fmt: skip

    # Open, skipped Qualification (the file cannot say it was skipped), five Fleet Basic.
    with step(at("2026-03-02")):
        open_deal = deal_create(acting_user=rep, name="Acme trucks", account=acme)
        deal_line_add(open_deal, acting_user=rep, product=basic, quantity=5)
        open_deal.refresh_from_db()
        deal_amount_follow_lines(open_deal, acting_user=rep, follow=True)
    with step(at("2026-03-16")):
        open_deal.refresh_from_db()
        deal_move(open_deal, to_stage=stage_named("Needs assessment"), acting_user=admin_user,
                  override_reason=OVERRIDE)  # fmt: skip


def snapshot(key_of) -> dict[str, dict]:
    """What must survive, per deal: history, amount, owner, team, outcome, products."""
    result = {}
    for deal in Deal.objects.select_related("owner", "team", "lost_reason", "account"):
        changes = StageChange.objects.filter(deal=deal).order_by("changed_at", "pk")
        result[key_of(deal)] = {
            "history": [(c.to_stage.name, c.changed_at, c.is_estimated) for c in changes],
            "amount": deal.amount,
            "currency": deal.currency,
            "owner": deal.owner.username,
            "team": deal.team.name if deal.team else None,
            "outcome": deal.outcome,
            "closed_at": deal.closed_at,
            "lost_reason": deal.lost_reason.name if deal.lost_reason else None,
            "account": deal.account.name if deal.account else None,
            "created_at": deal.created_at,
            "lines": [
                (line.product.name, line.quantity, line.unit_price)
                for line in DealLine.objects.filter(deal=deal).order_by("position")
            ],
        }
    return result


def mapping_for(header: list[str]) -> dict:
    stage_columns = [name for name in header if name.startswith("entered ")]
    return {
        "kind": "deals",
        "columns": {
            "id": "external_id",
            "name": "name",
            "account": "account",
            "stage": "stage",
            "outcome": "outcome",
            "amount": "amount",
            "currency": "currency",
            "closed_at": "closed_at",
            "lost_reason": "lost_reason",
            "owner": "owner",
            "created_at": "created_at",
            "expected_close_on": "expected_close_on",
            "product": "product",
            "quantity": "quantity",
        },
        "stage_dates": {name.removeprefix("entered "): name for name in stage_columns},
        "create_missing": ["account"],
    }


def test_an_exported_history_imports_back_the_same(admin_user, rep, outsider):
    build_history(admin_user, rep, outsider)
    original = snapshot(lambda deal: str(deal.pk))

    response = client_for(admin_user).get("/deals/?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert {"entered Prospecting", "entered Won", "product", "quantity", "owner"} <= set(header)

    # An empty database but for the people and the catalogue, which move first.
    DealLine.objects.all().delete()
    Deal.objects.all().delete()
    Account.objects.all().delete()
    with step(at("2026-04-01")):
        job = run_import(admin_user, text, kind="deals", mapping=mapping_for(header))
    assert errors_of(job) == []
    assert job.created_count == 3

    imported = snapshot(lambda deal: deal.external_id)
    assert set(imported) == set(original)
    for key, before in original.items():
        after = imported[key]
        history_after = after.pop("history")
        history_before = before.pop("history")
        assert after == before, key
        carried = [(stage, moment) for stage, moment, estimated in history_after if not estimated]
        assert carried == [(stage, moment) for stage, moment, _ in history_before], key
    # The skipped stage comes back, flagged as a guess, never as a fact.
    trucks = Deal.objects.get(name="Acme trucks")
    flagged = trucks.stage_changes.filter(is_estimated=True)
    assert [c.to_stage.name for c in flagged] == ["Qualification"]


def test_a_second_import_of_the_export_changes_nothing(admin_user, rep, outsider):
    build_history(admin_user, rep, outsider)
    text = b"".join(client_for(admin_user).get("/deals/?format=csv").streaming_content).decode(
        "utf-8-sig"
    )
    header = next(csv.reader(io.StringIO(text)))
    DealLine.objects.all().delete()
    Deal.objects.all().delete()
    with step(at("2026-04-01")):
        run_import(admin_user, text, kind="deals", mapping=mapping_for(header))
        before = snapshot(lambda deal: deal.external_id)
        again = run_import(admin_user, text, kind="deals", mapping=mapping_for(header))
    assert (again.created_count, again.updated_count) == (0, 0)
    assert snapshot(lambda deal: deal.external_id) == before
