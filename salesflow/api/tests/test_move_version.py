"""A stage move says what it moves from: the deal's `version` or the stage the client saw it in
(`from_stage`), so of several moves sent from the same state exactly one applies (issue #14,
point 12)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from salesflow.api.api import api as ninja_api
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.pipeline.models import StageChange
from salesflow.pipeline.tests.factories import ungated_deal
from tests.factories import DealFactory

# Open stages without exit criteria (`ungated_deal`), so no move is refused for missing BANT.
TARGETS = ["Qualification", "Needs assessment", "Closing"]


def _moves(deal) -> int:
    return StageChange.objects.filter(deal=deal, from_stage__isnull=False).count()


def test_a_move_without_version_or_from_stage_answers_422_naming_both(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/move", {"stage": "Qualification"})

    assert invalid_fields(response) == {"version", "from_stage"}
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version, _moves(deal)) == ("Prospecting", 1, 0)


def test_twenty_moves_with_the_same_version_apply_exactly_one(api_as, rep):
    deal = ungated_deal(owner=rep)
    api = api_as(rep)

    statuses = [
        api.post(
            f"/deals/{deal.pk}/move", {"stage": TARGETS[i % len(TARGETS)], "version": 1}
        ).status_code
        for i in range(20)
    ]

    assert statuses == [200] + [409] * 19
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version, _moves(deal)) == ("Qualification", 2, 1)


def test_twenty_moves_from_the_same_stage_apply_exactly_one(api_as, rep):
    deal = ungated_deal(owner=rep)
    api = api_as(rep)

    responses = [
        api.post(
            f"/deals/{deal.pk}/move",
            {"stage": TARGETS[i % len(TARGETS)], "from_stage": "Prospecting"},
        )
        for i in range(20)
    ]

    assert [r.status_code for r in responses] == [200] + [409] * 19
    assert "is in 'Qualification' now, not 'Prospecting'" in responses[1].json()["detail"]
    deal.refresh_from_db()
    assert (deal.stage.name, _moves(deal)) == ("Qualification", 1)


def test_from_stage_by_id_moves_and_an_unknown_one_answers_422(api_as, rep):
    deal = ungated_deal(owner=rep)
    api = api_as(rep)

    unknown = api.post(f"/deals/{deal.pk}/move", {"stage": "Closing", "from_stage": "Nowhere"})
    assert invalid_fields(unknown) == {"from_stage"}
    moved = api.post(f"/deals/{deal.pk}/move", {"stage": "Closing", "from_stage": deal.stage_id})
    assert moved.status_code == 200 and moved.json()["stage_name"] == "Closing"


def test_version_and_from_stage_must_both_hold_when_both_are_sent(api_as, rep):
    deal = ungated_deal(owner=rep)
    api = api_as(rep)
    api.patch(f"/deals/{deal.pk}", {"amount": "10"})  # version 2, still in Prospecting

    stale = api.post(
        f"/deals/{deal.pk}/move",
        {"stage": "Qualification", "version": 1, "from_stage": "Prospecting"},
    )

    assert stale.status_code == 409
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version) == ("Prospecting", 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_moves_from_the_same_stage_apply_exactly_one(rep):
    deal = ungated_deal(owner=rep)
    clients = [ApiClient(rep) for _ in range(20)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def move(api: ApiClient, stage: str) -> None:
        try:
            barrier.wait(timeout=20)
            body = {"stage": stage, "from_stage": "Prospecting"}
            statuses.append(api.post(f"/deals/{deal.pk}/move", body).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(api, TARGETS[i % len(TARGETS)]))
        for i, api in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] + [409] * 19
    deal.refresh_from_db()
    assert (deal.version, _moves(deal)) == (2, 1)


def test_the_openapi_schema_says_what_a_move_needs():
    operation = ninja_api.get_openapi_schema()["paths"]["/api/v1/deals/{deal_id}/move"]["post"]
    assert "`version`" in operation["description"] and "`from_stage`" in operation["description"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    properties = ninja_api.get_openapi_schema()["components"]["schemas"][
        body["$ref"].rsplit("/", 1)[-1]
    ]["properties"]
    assert {"version", "from_stage"} <= set(properties)
