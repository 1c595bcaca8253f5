"""The complete move shown in docs/imports.md ("A complete move: a Salesforce-style opportunity
export") is run here block by block, exactly as the page prints it, so the page stays true."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from salesflow.customers.models import Account
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.pipeline.models import Deal, Outcome
from salesflow.quotes.models import Product
from salesflow.users.models import Role, Team, User

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[3] / "docs" / "imports.md"
HEADING = "## A complete move: a Salesforce-style opportunity export"


def walkthrough_steps() -> list[tuple[str, dict]]:
    """(file content, mapping) of each step, in the order the page gives them."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(csv|json)\n(.*?)```", section, flags=re.S)
    files = [body for kind, body in blocks if kind == "csv"]
    mappings = [json.loads(body) for kind, body in blocks if kind == "json"]
    assert len(files) == len(mappings) == 4
    return list(zip(files, mappings, strict=True))


def run_all(admin_user) -> list:
    jobs = []
    with time_machine.travel("2026-12-01T09:00:00Z", tick=False):
        for content, mapping in walkthrough_steps():
            job = run_import(admin_user, content, kind=mapping["kind"], mapping=mapping)
            assert errors_of(job) == [], mapping["kind"]
            jobs.append(job)
    return jobs


def test_the_documented_move_brings_people_products_accounts_and_dated_deals(admin_user):
    jobs = run_all(admin_user)

    central_east = Team.objects.get(name="Central East")
    assert central_east.parent.name == "Central"
    celia = User.objects.get(email="celia.rouche@example.com")
    assert celia.role == Role.MANAGER and list(celia.teams.all()) == [central_east]

    assert Product.objects.get(name="GTX Pro").category == "GTX"
    bluth = Account.objects.get(name="Bluth Company")
    assert bluth.parent.name == "Acme Corporation" and bluth.size_band == "1000+"
    assert (bluth.employee_count, bluth.founded_year) == (3027, 1993)

    won = Deal.objects.get(external_id="1C1I7A6R")
    assert won.outcome == Outcome.WON and won.owner.get_full_name() == "Moses Frase"
    assert won.team == central_east
    moments = {
        c.to_stage.name: (c.changed_at.date().isoformat(), c.is_estimated)
        for c in won.stage_changes.all()
    }
    assert moments["Needs assessment"] == ("2016-10-20", False)
    assert moments["Won"] == ("2017-03-01", False)
    assert moments["Qualification"][1] is True
    line = won.lines.get()
    assert (line.product.name, line.unit_price, won.amount) == (
        "GTX Basic",
        Decimal(1054),
        Decimal(1054),
    )
    assert Deal.objects.get(external_id="Z063OYW0").lines.get().product.name == "GTX Pro"
    lost = Deal.objects.get(external_id="MV1LWRNH")
    assert [c.to_stage.name for c in lost.stage_changes.order_by("changed_at", "pk")] == [
        "Prospecting", "Qualification", "Needs assessment", "Lost",
    ]  # fmt: skip
    prospect = Deal.objects.get(external_id="PE84CX4O")
    assert prospect.account is None
    assert all(c.is_estimated for c in prospect.stage_changes.all())
    assert "stage moments were estimated" in jobs[-1].message

    again = run_all(admin_user)
    assert [(job.created_count, job.updated_count) for job in again] == [(0, 0)] * 4
