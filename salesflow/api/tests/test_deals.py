from __future__ import annotations

from decimal import Decimal

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.pipeline.models import Deal, StageChange
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    stage_named,
)

LIST_QUERIES = 5


def test_rep_creates_a_deal_in_the_first_stage_of_the_default_pipeline(api_as, rep, north):
    account = AccountFactory(owner=rep, name="Acme")

    response = api_as(rep).post(
        "/deals", {"name": "Acme rollout", "account_id": account.pk, "amount": "25000.50"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["stage_name"] == "Prospecting"
    assert body["account_name"] == "Acme"
    assert body["outcome"] == "open"
    assert Decimal(body["amount"]) == Decimal("25000.50")
    assert (body["owner_id"], body["team_id"], body["version"]) == (rep.pk, north.pk, 1)
    assert StageChange.objects.filter(deal_id=body["id"]).count() == 1


def test_a_deal_can_start_in_a_stage_given_by_name(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        "/deals", {"name": "Upsell", "account_id": account.pk, "stage": "needs assessment"}
    )

    assert response.status_code == 201
    assert response.json()["stage_id"] == stage_named("Needs assessment").pk


def test_a_deal_starts_in_another_pipeline_when_asked(api_as, rep, other_pipeline):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        "/deals",
        {"name": "Upsell", "account_id": account.pk, "pipeline_id": other_pipeline.pk},
    )

    assert response.json()["pipeline_id"] == other_pipeline.pk
    assert response.json()["stage_name"] == "Discovery"


def test_a_new_deal_in_a_stage_of_another_pipeline_answers_422_naming_stage(
    api_as, rep, other_pipeline
):
    account = AccountFactory(owner=rep)
    offer = other_pipeline.stages.get(name="Offer")

    response = api_as(rep).post(
        "/deals", {"name": "Mixed up", "account_id": account.pk, "stage": offer.pk}
    )

    assert invalid_fields(response) == {"stage"}
    assert not Deal.objects.exists()


def test_a_new_deal_in_a_closed_stage_answers_422_naming_stage(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post("/deals", {"name": "x", "account_id": account.pk, "stage": "Won"})

    assert invalid_fields(response) == {"stage"}


def test_rep_reads_a_teammates_deal(api_as, rep, teammate):
    deal = DealFactory(owner=teammate, name="Big one")

    response = api_as(rep).get(f"/deals/{deal.pk}")

    assert response.status_code == 200
    assert response.json()["name"] == "Big one"


def test_list_filters_deals(api_as, rep, teammate, other_pipeline):
    first = DealFactory(owner=rep, name="Acme rollout")
    later = DealFactory(owner=rep, name="Globex", stage=stage_named("Closing"))
    upsell = DealFactory(
        owner=teammate, pipeline=other_pipeline, stage=other_pipeline.stages.get(name="Offer")
    )
    api = api_as(rep)

    assert ids(api.get("/deals", {"q": "rollout"})) == {first.pk}
    assert ids(api.get("/deals", {"stage_id": later.stage_id})) == {later.pk}
    assert ids(api.get("/deals", {"pipeline_id": other_pipeline.pk})) == {upsell.pk}
    assert ids(api.get("/deals", {"owner_id": teammate.pk})) == {upsell.pk}
    assert ids(api.get("/deals", {"account_id": first.account_id})) == {first.pk}
    assert ids(api.get("/deals", {"outcome": "open"})) == {first.pk, later.pk, upsell.pk}
    assert ids(api.get("/deals", {"outcome": "won"})) == set()


def test_patch_changes_the_amount_and_bumps_the_version(api_as, rep):
    deal = DealFactory(owner=rep, amount=1000)

    response = api_as(rep).patch(f"/deals/{deal.pk}", {"amount": 1500, "version": 1})

    assert response.status_code == 200
    assert Decimal(response.json()["amount"]) == 1500
    assert response.json()["version"] == 2
    deal.refresh_from_db()
    assert deal.amount == 1500


def test_patch_cannot_change_the_stage(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).patch(f"/deals/{deal.pk}", {"stage": "Closing"})

    assert invalid_fields(response) == {"stage"}
    deal.refresh_from_db()
    assert deal.stage.name == "Prospecting"


def test_delete_removes_the_deal(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).delete(f"/deals/{deal.pk}")

    assert response.status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_a_negative_amount_answers_422_naming_amount(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post("/deals", {"name": "x", "account_id": account.pk, "amount": -1})

    assert invalid_fields(response) == {"amount"}


def test_a_deal_needs_a_name(api_as, rep):
    assert invalid_fields(api_as(rep).post("/deals", {})) == {"name"}


def test_an_account_the_user_cannot_see_answers_422_naming_account_id(api_as, rep, outsider):
    hidden = AccountFactory(owner=outsider)

    response = api_as(rep).post("/deals", {"name": "x", "account_id": hidden.pk})

    assert invalid_fields(response) == {"account_id"}
    assert not Deal.objects.exists()


def test_a_contact_of_another_account_answers_422_naming_primary_contact_id(api_as, rep):
    account = AccountFactory(owner=rep)
    elsewhere = ContactFactory(owner=rep)

    response = api_as(rep).post(
        "/deals", {"name": "x", "account_id": account.pk, "primary_contact_id": elsewhere.pk}
    )

    assert invalid_fields(response) == {"primary_contact_id"}


def test_a_lead_the_user_cannot_see_answers_422_naming_lead_id(api_as, rep, outsider):
    account = AccountFactory(owner=rep)
    hidden = LeadFactory(owner=outsider)

    response = api_as(rep).post(
        "/deals", {"name": "x", "account_id": account.pk, "lead_id": hidden.pk}
    )

    assert invalid_fields(response) == {"lead_id"}


def test_an_unknown_deal_answers_404(api_as, rep):
    api = api_as(rep)

    assert api.get("/deals/999999").status_code == 404
    assert api.get("/deals/999999/history").status_code == 404
    assert api.post("/deals/999999/move", {"stage": "Closing"}).status_code == 404


def test_outsider_gets_404_for_a_teammates_deal_and_does_not_list_it(api_as, outsider, teammate):
    deal = DealFactory(owner=teammate, name="Secret")
    api = api_as(outsider)

    assert api.get(f"/deals/{deal.pk}").json() == {"detail": "Not found."}
    assert api.patch(f"/deals/{deal.pk}", {"name": "Mine"}).status_code == 404
    assert api.delete(f"/deals/{deal.pk}").status_code == 404
    assert api.get(f"/deals/{deal.pk}/history").status_code == 404
    assert deal.pk not in ids(api.get("/deals"))
    assert ids(api.get("/deals", {"q": "secret"})) == set()


def test_admin_reads_and_changes_any_private_deal(api_as, admin_user, outsider):
    deal = DealFactory(owner=outsider, visibility="private")
    api = api_as(admin_user)

    assert deal.pk in ids(api.get("/deals"))
    assert api.patch(f"/deals/{deal.pk}", {"name": "Checked"}).status_code == 200


def test_patch_of_a_deal_shared_read_only_answers_403(api_as, rep, outsider):
    deal = DealFactory(owner=outsider, name="Shared", visibility="everyone")
    api = api_as(rep)

    assert api.get(f"/deals/{deal.pk}").status_code == 200
    assert api.patch(f"/deals/{deal.pk}", {"name": "Mine"}).status_code == 403
    assert api.delete(f"/deals/{deal.pk}").status_code == 403
    deal.refresh_from_db()
    assert deal.name == "Shared"


def test_a_stale_version_answers_409_and_changes_nothing(api_as, rep):
    deal = DealFactory(owner=rep, name="Acme", amount=1000)
    api = api_as(rep)
    api.patch(f"/deals/{deal.pk}", {"amount": 2000})

    response = api.patch(f"/deals/{deal.pk}", {"name": "Renamed", "version": 1})

    assert response.status_code == 409
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.version) == ("Acme", 2000, 2)


def test_listing_deals_takes_a_constant_number_of_queries(
    api_as, rep, teammate, django_assert_max_num_queries
):
    for owner in (rep, teammate) * 4:
        DealFactory(owner=owner)
    api = api_as(rep)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("/deals")

    assert response.json()["count"] == 8
    assert {item["stage_name"] for item in response.json()["items"]} == {"Prospecting"}
