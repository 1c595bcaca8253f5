"""Moving, closing and reopening deals, and the stage history those actions write."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from salesflow.api.tests.conftest import BASE, invalid_fields
from salesflow.pipeline.models import LostReason, StageChange
from salesflow.users.services import token_create
from tests.factories import DealFactory, lost_reason, stage_named


def test_move_by_stage_name_puts_the_deal_there_and_records_it(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "qualification"}
    )

    assert response.status_code == 200
    assert response.json()["stage_name"] == "Qualification"
    assert response.json()["version"] == 2
    change = StageChange.objects.filter(deal=deal).order_by("-changed_at", "-pk").first()
    assert (change.from_stage.name, change.to_stage.name) == ("Prospecting", "Qualification")
    assert change.changed_by == rep


def test_a_forward_move_missing_exit_criteria_answers_409_listing_what_is_missing(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Needs assessment"}
    )

    assert response.status_code == 409
    # A skip (Prospecting -> Needs assessment) names the stage whose criteria are missing.
    detail = response.json()["detail"]
    assert detail == "To skip to Needs assessment, the criteria of Qualification must be met."
    missing = response.json()["missing"]
    assert {item["code"] for item in missing} >= {"bant_recorded:budget", "bant_recorded:need"}
    assert {item["stage"] for item in missing} == {"Qualification"}
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version) == ("Prospecting", 1)


def test_a_rep_cannot_override_missing_exit_criteria(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move",
        {"version": deal.version, "stage": "Needs assessment", "override_reason": "Trust me"},
    )

    assert response.status_code == 409
    assert response.json()["missing"]


def test_a_manager_moves_past_missing_exit_criteria_with_a_reason(api_as, manager, teammate):
    deal = DealFactory(owner=teammate)

    response = api_as(manager).post(
        f"/deals/{deal.pk}/move",
        {
            "version": deal.version,
            "stage": "Needs assessment",
            "override_reason": "Customer asked for the workshop",
        },
    )

    assert response.status_code == 200
    assert response.json()["stage_name"] == "Needs assessment"
    change = StageChange.objects.get(deal=deal, to_stage__name="Needs assessment")
    assert change.override_reason == "Customer asked for the workshop"


def test_move_by_stage_id_with_an_override_reason(api_as, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))
    back = stage_named("Qualification")

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move",
        {"version": deal.version, "stage": back.pk, "override_reason": "Budget frozen"},
    )

    assert response.json()["stage_id"] == back.pk
    change = StageChange.objects.filter(deal=deal, to_stage=back).get()
    assert change.is_backward
    assert change.override_reason == "Budget frozen"


def test_move_into_lost_without_a_reason_answers_422_and_changes_nothing(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Lost"}
    )

    assert invalid_fields(response) == {"lost_reason_id"}
    deal.refresh_from_db()
    assert (deal.stage.name, deal.outcome, deal.version) == ("Prospecting", "open", 1)


def test_move_into_lost_with_a_reason_closes_the_deal_as_lost(api_as, rep):
    deal = DealFactory(owner=rep)
    reason = lost_reason("No budget")

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move",
        {"version": deal.version, "stage": "Lost", "lost_reason_id": reason.pk},
    )

    assert response.json()["outcome"] == "lost"
    assert response.json()["lost_reason_id"] == reason.pk
    assert response.json()["closed_at"] is not None


def test_move_to_a_stage_of_another_pipeline_answers_422_naming_stage(api_as, rep, other_pipeline):
    deal = DealFactory(owner=rep)
    foreign = other_pipeline.stages.get(name="Offer")

    by_id = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": foreign.pk}
    )
    by_name = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Offer"}
    )

    assert invalid_fields(by_id) == {"stage"}
    assert invalid_fields(by_name) == {"stage"}
    deal.refresh_from_db()
    assert deal.stage.name == "Prospecting"


def test_move_to_the_stage_the_deal_is_in_answers_422(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Prospecting"}
    )

    assert invalid_fields(response) == {"stage"}


def test_move_without_a_stage_answers_422_naming_stage(api_as, rep):
    deal = DealFactory(owner=rep)

    assert invalid_fields(api_as(rep).post(f"/deals/{deal.pk}/move", {})) == {"stage"}


def test_move_with_a_stale_version_answers_409_and_changes_nothing(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    api.patch(f"/deals/{deal.pk}", {"amount": 5})

    response = api.post(f"/deals/{deal.pk}/move", {"stage": "Closing", "version": 1})

    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.stage.name == "Prospecting"
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_close_as_won_moves_to_won_and_records_the_final_amount(api_as, rep):
    deal = DealFactory(owner=rep, amount=1000, stage=stage_named("Closing"))

    response = api_as(rep).post(
        f"/deals/{deal.pk}/close",
        {"outcome": "won", "amount": "1200.00", "note": "Signed", "technique": "assumptive"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["stage_name"]) == ("won", "Won")
    assert Decimal(body["amount"]) == Decimal("1200.00")
    assert body["closing_technique"] == "assumptive"
    assert body["closed_at"] is not None
    assert body["closed_on"] is not None
    assert StageChange.objects.filter(deal=deal, to_outcome="won", note="Signed").exists()


def test_close_as_won_before_the_exit_criteria_are_met_answers_409(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/close", {"outcome": "won"})

    assert response.status_code == 409
    assert response.json()["missing"]
    deal.refresh_from_db()
    assert deal.outcome == "open"


def test_a_manager_closes_as_won_before_the_criteria_are_met_with_a_reason(
    api_as, manager, teammate
):
    deal = DealFactory(owner=teammate)

    response = api_as(manager).post(
        f"/deals/{deal.pk}/close", {"outcome": "won", "override_reason": "Signed at the fair"}
    )

    assert response.status_code == 200
    assert response.json()["outcome"] == "won"


def test_close_as_lost_without_a_reason_answers_422_naming_reason(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/close", {"outcome": "lost"})

    assert invalid_fields(response) == {"reason"}
    deal.refresh_from_db()
    assert deal.outcome == "open"


def test_close_as_lost_takes_the_reason_as_reason(api_as, rep):
    deal = DealFactory(owner=rep)
    reason = lost_reason("No budget")

    response = api_as(rep).post(f"/deals/{deal.pk}/close", {"outcome": "lost", "reason": reason.pk})

    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["lost_reason_id"]) == ("lost", reason.pk)


def test_close_with_two_different_reasons_answers_422_naming_reason(api_as, rep):
    deal = DealFactory(owner=rep)
    first, second = lost_reason("No budget"), lost_reason()

    response = api_as(rep).post(
        f"/deals/{deal.pk}/close",
        {"outcome": "lost", "reason": first.pk, "lost_reason_id": second.pk},
    )

    assert invalid_fields(response) == {"reason"}


def test_close_with_an_unknown_reason_answers_422_naming_reason(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/close", {"outcome": "lost", "reason": 999999})

    assert invalid_fields(response) == {"reason"}


def test_close_as_suspended_keeps_the_stage(api_as, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))

    response = api_as(rep).post(
        f"/deals/{deal.pk}/close",
        {"outcome": "suspended", "lost_reason_id": lost_reason("Timing: project postponed").pk},
    )

    assert (response.json()["outcome"], response.json()["stage_name"]) == ("suspended", "Closing")


def test_close_with_an_unknown_outcome_or_technique_answers_422_naming_it(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/close", {"outcome": "open", "technique": "begging"}
    )

    assert invalid_fields(response) == {"outcome", "technique"}


def test_close_with_a_negative_amount_answers_422_naming_amount(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/close", {"outcome": "won", "amount": -5})

    assert invalid_fields(response) == {"amount"}


def test_a_retired_lost_reason_answers_422_naming_lost_reason_id(api_as, rep):
    deal = DealFactory(owner=rep)
    retired = LostReason.objects.create(name="Old reason", is_active=False)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/close", {"outcome": "lost", "lost_reason_id": retired.pk}
    )

    assert invalid_fields(response) == {"lost_reason_id"}


def test_close_with_a_stale_version_answers_409(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    api.post(f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Closing"})

    response = api.post(f"/deals/{deal.pk}/close", {"outcome": "won", "version": 1})

    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.outcome == "open"


def test_reopen_of_a_won_deal_returns_it_to_the_last_open_stage(api_as, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))
    api = api_as(rep)
    api.post(f"/deals/{deal.pk}/close", {"outcome": "won"})

    response = api.post(f"/deals/{deal.pk}/reopen")

    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["stage_name"]) == ("open", "Closing")
    assert response.json()["closed_at"] is None


def test_reopen_into_a_chosen_stage(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    api.post(f"/deals/{deal.pk}/close", {"outcome": "lost", "lost_reason_id": lost_reason().pk})

    response = api.post(f"/deals/{deal.pk}/reopen", {"stage": "Qualification"})

    assert response.json()["stage_name"] == "Qualification"
    assert response.json()["lost_reason_id"] is None


def test_reopen_needs_no_request_body(rep):
    deal = DealFactory(owner=rep, stage=stage_named("Closing"))
    _, key = token_create(user=rep)
    auth = {"Authorization": f"Bearer {key}"}
    client = Client()
    client.post(
        f"{BASE}/deals/{deal.pk}/close",
        {"outcome": "won"},
        content_type="application/json",
        headers=auth,
    )

    response = client.generic("POST", f"{BASE}/deals/{deal.pk}/reopen", b"", headers=auth)

    assert response.status_code == 200
    assert response.json()["outcome"] == "open"


def test_reopen_of_an_open_deal_answers_422(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/reopen")

    assert invalid_fields(response) == {"outcome"}


def test_outsider_gets_404_when_moving_closing_or_reopening_a_teammates_deal(
    api_as, outsider, teammate
):
    deal = DealFactory(owner=teammate)
    api = api_as(outsider)

    assert (
        api.post(
            f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Closing"}
        ).status_code
        == 404
    )
    assert api.post(f"/deals/{deal.pk}/close", {"outcome": "won"}).status_code == 404
    assert api.post(f"/deals/{deal.pk}/reopen").status_code == 404
    deal.refresh_from_db()
    assert deal.stage.name == "Prospecting"


def test_moving_or_closing_a_deal_shared_read_only_answers_403(api_as, rep, outsider):
    deal = DealFactory(owner=outsider, visibility="everyone")
    api = api_as(rep)

    assert (
        api.post(
            f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Closing"}
        ).status_code
        == 403
    )
    assert api.post(f"/deals/{deal.pk}/close", {"outcome": "won"}).status_code == 403
    assert api.post(f"/deals/{deal.pk}/reopen").status_code == 403
    deal.refresh_from_db()
    assert (deal.stage.name, deal.outcome) == ("Prospecting", "open")


def test_history_lists_each_stage_change_in_order(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    api.post(f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Qualification"})
    api.post(f"/deals/{deal.pk}/close", {"outcome": "lost", "lost_reason_id": lost_reason().pk})

    response = api.get(f"/deals/{deal.pk}/history")

    assert response.status_code == 200
    assert response.json()["count"] == 3
    steps = [
        (item["from_stage_name"], item["to_stage_name"], item["to_outcome"])
        for item in response.json()["items"]
    ]
    assert steps == [
        (None, "Prospecting", "open"),
        ("Prospecting", "Qualification", "open"),
        ("Qualification", "Lost", "lost"),
    ]
    assert response.json()["items"][-1]["changed_by_id"] == rep.pk


def test_history_of_a_read_only_deal_is_readable(api_as, rep, outsider):
    deal = DealFactory(owner=outsider, visibility="everyone")

    response = api_as(rep).get(f"/deals/{deal.pk}/history")

    assert response.json()["count"] == 1
