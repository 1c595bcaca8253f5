"""What tests/test_api_fuzz_stateful.py found, each kept as a plain regression test."""

from __future__ import annotations

import json

import pytest

from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db

HUGE = 2**70


def named(response) -> str:
    return json.dumps(response.json())


def test_an_id_filter_beyond_64_bits_answers_422_naming_it(api_as, rep):
    # GET /activities?invitation_reason_id=<2^70> answered 500 on SQLite ("Python int too
    # large to convert to SQLite INTEGER").
    ActivityFactory(owner=rep)
    response = api_as(rep).get("/activities", {"invitation_reason_id": HUGE})
    assert response.status_code == 422
    assert "invitation_reason_id" in named(response)


def test_a_body_id_beyond_64_bits_answers_422_naming_it(api_as, rep):
    deal = DealFactory(owner=rep, name="Fleet")
    response = api_as(rep).patch(f"/deals/{deal.pk}", {"account_id": HUGE, "name": "Changed"})
    assert response.status_code == 422
    assert "account_id" in named(response)
    deal.refresh_from_db()
    assert deal.name == "Fleet"


def test_ids_within_64_bits_still_filter(api_as, rep):
    ActivityFactory(owner=rep)
    response = api_as(rep).get("/activities", {"invitation_reason_id": 2**63 - 1})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("stage", ["³", str(2**70)])
def test_a_stage_no_pipeline_has_answers_422_naming_it(api_as, rep, stage):
    # GET /deals/<id>/blockers?stage=³ answered 500: "³".isdigit() is true, int("³") fails.
    deal = DealFactory(owner=rep)
    response = api_as(rep).get(f"/deals/{deal.pk}/blockers", {"stage": stage})
    assert response.status_code == 422
    assert "stage" in named(response)


def test_a_move_to_a_stage_no_pipeline_has_leaves_the_deal_where_it_was(api_as, rep):
    deal = DealFactory(owner=rep)
    response = api_as(rep).post(f"/deals/{deal.pk}/move", {"stage": "²", "version": deal.version})
    assert response.status_code == 422
    assert "stage" in named(response)
    before = deal.stage_id
    deal.refresh_from_db()
    assert deal.stage_id == before
