"""Historical deals brought in by the importer give exactly the same figures as the same deals
created live (issue 9, Correctness): a history is built through the services the UI uses, every
report is read, the history is exported from the deal list, the deals are deleted and the file
imported back, and every report is read again and compared.

The history moves forward only: a deal list CSV carries the moment each stage was first
entered, not backward moves, reopenings or skipped stages (test_history_fidelity.py shows how
those come back: flagged estimated).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from conftest import client_for
from salesflow.analytics.registry import report_get, report_run
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.imports.tests.test_history_fidelity import OVERRIDE, at, mapping_for, step
from salesflow.pipeline.models import Deal, Outcome
from salesflow.pipeline.services import deal_close, deal_create, deal_move
from salesflow.quotes.models import DealLine
from salesflow.quotes.services import deal_amount_follow_lines, deal_line_add
from salesflow.quotes.tests.factories import ProductFactory
from tests.factories import AccountFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db

OPEN_STAGES = [
    "Qualification", "Needs assessment", "Presentation / demo", "Proposal and objections",
    "Closing",
]  # fmt: skip
# Each report with the options a manager would read it with.
READS = [
    ("overview", {"by": "team"}), ("overview", {"by": "owner"}),
    ("funnel", {"view": "stages"}), ("funnel", {"view": "cohorts"}),
    ("funnel", {"view": "stages", "mode": "activity", "from": "2026-02-01", "to": "2026-03-31"}),
    ("velocity", {"view": "stages"}), ("velocity", {"view": "trend"}),
    ("detours", {"by": "stage"}), ("detours", {"by": "owner"}),
    ("win-rates", {"by": "owner"}), ("win-rates", {"by": "team"}),
    ("win-rates", {"by": "product"}), ("win-rates", {"by": "lost_reason"}),
    ("win-rates", {"by": "industry"}), ("forecast", {}),
]  # fmt: skip


def walk(deal, admin_user, days: list[str], stages: list[str]) -> None:
    for day, stage in zip(days, stages, strict=False):
        with step(at(day)):
            deal.refresh_from_db()
            deal_move(deal, to_stage=stage_named(stage), acting_user=admin_user,
                      override_reason=OVERRIDE)  # fmt: skip


def build_live(admin_user, rep, outsider) -> None:
    pro = ProductFactory(name="Fleet Pro", unit_price=Decimal(1200))
    acme = AccountFactory(name="Acme", owner=rep, industry="Logistics")
    globex = AccountFactory(name="Globex", owner=outsider, industry="Retail")
    days = ["2026-01-12", "2026-01-20", "2026-02-02", "2026-02-16", "2026-03-01"]

    with step(at("2026-01-05")):
        won = deal_create(acting_user=rep, name="Acme fleet", account=acme, amount=Decimal(1))
        deal_line_add(won, acting_user=rep, product=pro, quantity=2)
        won.refresh_from_db()
        deal_amount_follow_lines(won, acting_user=rep, follow=True)
    walk(won, admin_user, days, OPEN_STAGES)
    with step(at("2026-03-09")):
        won.refresh_from_db()
        deal_close(won, outcome=Outcome.WON, acting_user=admin_user, override_reason=OVERRIDE)

    with step(at("2026-02-03")):
        lost = deal_create(acting_user=outsider, name="Globex pilot", account=globex,
                           amount=Decimal("4500.50"))  # fmt: skip
    walk(lost, admin_user, ["2026-02-10", "2026-02-20"], OPEN_STAGES[:2])
    with step(at("2026-03-04")):
        lost.refresh_from_db()
        deal_close(lost, outcome=Outcome.LOST, acting_user=outsider,
                   lost_reason=lost_reason("Price too high"))  # fmt: skip

    with step(at("2026-02-20")):
        open_deal = deal_create(acting_user=rep, name="Acme trucks", account=acme,
                                amount=Decimal(9000),
                                expected_close_on=at("2026-05-15").date())  # fmt: skip
    walk(open_deal, admin_user, ["2026-03-02", "2026-03-16", "2026-03-20"], OPEN_STAGES[:3])


def read_all(viewer) -> list[Any]:
    """Every report's rows and summary, with what differs by nature (deal ids, their links)
    left out."""
    answers = []
    for slug, query in READS:
        answer = report_run(report_get(slug), viewer, query).as_json()
        for row in answer["rows"]:
            for key in ("deal_id", "label_url", "deal_url", "key_url"):
                row.pop(key, None)
        answers.append((slug, query, answer))
    return answers


def test_imported_deals_give_every_report_the_figures_of_the_live_ones(admin_user, rep, outsider):
    build_live(admin_user, rep, outsider)
    with step(at("2026-04-01")):
        live = read_all(admin_user)
        text = b"".join(client_for(admin_user).get("/deals/?format=csv").streaming_content)
    text = text.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))

    DealLine.objects.all().delete()
    Deal.objects.all().delete()
    with step(at("2026-04-01")):
        job = run_import(admin_user, text, kind="deals", mapping=mapping_for(header))
        assert errors_of(job) == [] and job.created_count == 3
        imported = read_all(admin_user)

    assert Deal.objects.filter(stage_changes__is_estimated=True).count() == 0
    for (slug, query, before), (_, _, after) in zip(live, imported, strict=True):
        assert after == before, (slug, query)
    # The comparison is not empty: the reports saw the deals.
    overview = live[0][2]
    assert overview["won"] == 1 and overview["lost"] == 1 and overview["open_deals"] == 1
