"""Deals without an account, and estimated stage moments, through the API (issue 11)."""

from __future__ import annotations

import datetime as dt

from salesflow.pipeline.models import Deal
from salesflow.pipeline.services import DealHistory, deals_create_with_history
from tests.factories import AccountFactory, DealFactory, default_pipeline, stage_named

BANT = {
    "budget_amount": "50000",
    "is_budget_confirmed": True,
    "is_decision_maker": True,
    "need": "Replace spreadsheets",
    "timeline_on": "2027-03-01",
}


def test_a_deal_is_created_without_an_account(api_as, rep):
    response = api_as(rep).post("/deals", {"name": "Inbound call"})

    assert response.status_code == 201
    body = response.json()
    assert (body["account_id"], body["account_name"]) == (None, None)
    assert Deal.objects.get(pk=body["id"]).account is None


def test_deals_without_account_are_listed_beside_the_others(api_as, rep):
    DealFactory(owner=rep, account=None, name="Unknown buyer")
    DealFactory(owner=rep, account=AccountFactory(owner=rep, name="Acme"), name="Rollout")

    response = api_as(rep).get("/deals")

    assert response.status_code == 200
    names = {item["name"]: item["account_name"] for item in response.json()["items"]}
    assert names == {"Unknown buyer": None, "Rollout": "Acme"}


def test_leaving_qualification_without_account_answers_409_listing_it(api_as, rep):
    deal = DealFactory(owner=rep, account=None, stage=stage_named("Qualification"))
    api = api_as(rep)
    assert api.put(f"/deals/{deal.pk}/qualification", BANT).status_code == 200

    refused = api.post(
        f"/deals/{deal.pk}/move", {"from_stage": "Qualification", "stage": "Needs assessment"}
    )

    assert refused.status_code == 409
    assert refused.json()["missing"] == [
        {
            "code": "field_filled:account",
            "message": "Fill in the account.",
            "stage": "Qualification",
        }
    ]
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"


def test_once_the_account_is_set_the_deal_leaves_qualification(api_as, rep):
    deal = DealFactory(owner=rep, account=None, stage=stage_named("Qualification"))
    api = api_as(rep)
    api.put(f"/deals/{deal.pk}/qualification", BANT)
    account = AccountFactory(owner=rep, name="Acme")

    patched = api.patch(f"/deals/{deal.pk}", {"account_id": account.pk})
    moved = api.post(
        f"/deals/{deal.pk}/move", {"from_stage": "Qualification", "stage": "Needs assessment"}
    )

    assert patched.status_code == 200 and patched.json()["account_name"] == "Acme"
    assert moved.status_code == 200 and moved.json()["stage_name"] == "Needs assessment"


def test_the_history_says_which_moments_are_estimated(api_as, rep):
    at = dt.datetime(2025, 3, 4, 12, tzinfo=dt.UTC)
    deal = Deal(name="Imported", pipeline=default_pipeline(), owner=rep, team=rep.teams.first())
    history = DealHistory(
        deal=deal,
        path=[(stage_named("Prospecting"), at, rep), (stage_named("Qualification"), at, rep)],
        estimated={1},
    )
    (deal,) = deals_create_with_history([history])

    response = api_as(rep).get(f"/deals/{deal.pk}/history")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["to_stage_name"], i["is_estimated"]) for i in items] == [
        ("Prospecting", False),
        ("Qualification", True),
    ]
