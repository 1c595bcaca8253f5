from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.pipeline.models import LostReason, Pipeline
from tests.factories import DealFactory, default_pipeline, stage_named


def test_pipelines_list_the_default_first_with_its_stages_in_order(
    api_as, rep, other_pipeline, django_assert_max_num_queries
):
    api = api_as(rep)

    with django_assert_max_num_queries(4):
        response = api.get("/pipelines")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    default, upsell = response.json()["items"]
    assert default["is_default"] is True
    assert [stage["name"] for stage in default["stages"]] == [
        "Prospecting",
        "Qualification",
        "Needs assessment",
        "Presentation / demo",
        "Proposal and objections",
        "Closing",
        "Won",
        "Lost",
    ]
    assert [stage["name"] for stage in upsell["stages"]] == ["Discovery", "Offer", "Won"]
    assert set(default["stages"][0]) == {
        "id",
        "name",
        "position",
        "probability",
        "rotting_days",
        "kind",
        "guidance",
    }


def test_a_pipeline_shows_its_stages(api_as, outsider):
    pipeline = default_pipeline()

    response = api_as(outsider).get(f"/pipelines/{pipeline.pk}")

    assert response.status_code == 200
    assert response.json()["name"] == pipeline.name
    assert response.json()["stages"][-1]["kind"] == "lost"


def test_an_unknown_pipeline_answers_404(api_as, rep):
    assert api_as(rep).get("/pipelines/999999").status_code == 404


def test_lost_reasons_list_every_reason_or_only_active_ones(api_as, rep):
    retired = LostReason.objects.create(name="Old reason", position=99, is_active=False)
    api = api_as(rep)

    every = api.get("/lost-reasons")
    active = api.get("/lost-reasons", {"active": "true"})

    assert retired.pk in ids(every)
    assert retired.pk not in ids(active)
    assert every.json()["count"] == active.json()["count"] + 1
    assert active.json()["items"][0]["name"] == "Price too high"


# Admins shape the process -----------------------------------------------------------------------


def test_an_admin_creates_a_pipeline_with_won_and_lost_added(api_as, admin_user):
    response = api_as(admin_user).post(
        "/pipelines",
        {
            "name": "Renewals",
            "stages": ["Review", {"name": "Offer", "probability": 70, "rotting_days": 14}],
        },
    )

    assert response.status_code == 201
    stages = response.json()["stages"]
    assert [(s["name"], s["kind"], s["probability"]) for s in stages] == [
        ("Review", "open", 33),
        ("Offer", "open", 70),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    assert stages[1]["rotting_days"] == 14


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Renewals", "stages": []}, "stages"),
        ({"name": "Renewals", "stages": [{"name": "A", "probability": 120}]}, "probability"),
        ({"name": "Renewals", "stages": ["A", "a"]}, "stages"),
        ({"name": "Sales process", "stages": ["A"]}, "name"),
    ],
)
def test_a_bad_pipeline_answers_422_naming_the_field(api_as, admin_user, body, field):
    response = api_as(admin_user).post("/pipelines", body)

    assert field in invalid_fields(response)
    assert not Pipeline.objects.filter(name="Renewals").exists()


def test_an_admin_renames_a_pipeline_and_names_its_hand_over_team(api_as, admin_user, north):
    pipeline = default_pipeline()

    response = api_as(admin_user).patch(
        f"/pipelines/{pipeline.pk}", {"name": "New business", "handover_team_id": north.pk}
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["handover_team_id"]) == (
        "New business",
        north.pk,
    )


def test_the_default_pipeline_cannot_be_retired(api_as, admin_user):
    response = api_as(admin_user).patch(f"/pipelines/{default_pipeline().pk}", {"is_active": False})

    assert invalid_fields(response) == {"is_active"}


def test_an_admin_adds_a_stage_where_it_belongs(api_as, admin_user):
    pipeline = default_pipeline()

    response = api_as(admin_user).post(
        f"/pipelines/{pipeline.pk}/stages", {"name": "Pilot", "position": 6, "rotting_days": 21}
    )

    assert response.status_code == 201
    names = [
        s["name"] for s in api_as(admin_user).get(f"/pipelines/{pipeline.pk}").json()["stages"]
    ]
    assert names[5:] == ["Pilot", "Closing", "Won", "Lost"]


def test_a_stage_name_is_unique_in_its_pipeline(api_as, admin_user):
    response = api_as(admin_user).post(
        f"/pipelines/{default_pipeline().pk}/stages", {"name": "closing"}
    )

    assert invalid_fields(response) == {"name"}


def test_an_admin_changes_a_stage(api_as, admin_user):
    stage = stage_named("Closing")

    response = api_as(admin_user).patch(
        f"/stages/{stage.pk}", {"probability": 85, "guidance": "Ask for the order."}
    )

    assert (response.json()["probability"], response.json()["guidance"]) == (
        85,
        "Ask for the order.",
    )
    assert invalid_fields(
        api_as(admin_user).patch(f"/stages/{stage.pk}", {"probability": 101})
    ) == {"probability"}


def test_an_admin_reorders_the_open_stages(api_as, admin_user):
    pipeline = default_pipeline()
    open_stages = list(pipeline.stages.filter(kind="open").order_by("position"))
    new_order = [open_stages[1], open_stages[0], *open_stages[2:]]

    response = api_as(admin_user).post(
        f"/pipelines/{pipeline.pk}/stages/reorder", {"stage_ids": [s.pk for s in new_order]}
    )

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["stages"][:6]] == [s.pk for s in new_order]


def test_reordering_with_a_missing_stage_answers_422_naming_stage_ids(api_as, admin_user):
    pipeline = default_pipeline()
    first = pipeline.stages.order_by("position").first()

    response = api_as(admin_user).post(
        f"/pipelines/{pipeline.pk}/stages/reorder", {"stage_ids": [first.pk]}
    )

    assert invalid_fields(response) == {"stage_ids"}


def test_removing_a_stage_that_holds_deals_needs_a_target(api_as, admin_user, rep):
    closing = stage_named("Closing")
    deal = DealFactory(owner=rep, stage=closing)
    api = api_as(admin_user)

    refused = api.delete(f"/stages/{closing.pk}")
    moved = api.delete(f"/stages/{closing.pk}?move_deals_to={stage_named('Qualification').pk}")

    assert refused.status_code == 409
    assert refused.json()["missing"][0]["code"] == "stage_has_deals"
    assert moved.status_code == 204
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"
    assert api.get(f"/pipelines/{default_pipeline().pk}").json()["stages"][5]["name"] == "Won"


def test_removing_a_stage_into_a_closed_or_unknown_stage_answers_422(api_as, admin_user, rep):
    closing = stage_named("Closing")
    DealFactory(owner=rep, stage=closing)
    api = api_as(admin_user)

    won = api.delete(f"/stages/{closing.pk}?move_deals_to={stage_named('Won').pk}")
    unknown = api.delete(f"/stages/{closing.pk}?move_deals_to=999999")

    assert invalid_fields(won) == {"move_deals_to"}
    assert invalid_fields(unknown) == {"move_deals_to"}


def test_the_won_stage_cannot_be_removed(api_as, admin_user):
    assert api_as(admin_user).delete(f"/stages/{stage_named('Won').pk}").status_code == 409


def test_every_signed_in_user_reads_a_stages_exit_criteria(
    api_as, outsider, django_assert_max_num_queries
):
    stage = stage_named("Presentation / demo")
    api = api_as(outsider)

    with django_assert_max_num_queries(4):
        response = api.get(f"/stages/{stage.pk}/requirements")

    assert [(r["kind"], r["label"]) for r in response.json()["items"]] == [
        ("decision_maker", "The decision maker is known"),
        ("checklist", "Presentation prepared: agenda, end time, expectations, decision makers"),
    ]


def test_an_admin_adds_and_removes_an_exit_criterion(api_as, admin_user, rep):
    stage = stage_named("Closing")
    api = api_as(admin_user)

    added = api.post(
        f"/stages/{stage.pk}/requirements", {"kind": "field_filled", "params": {"field": "amount"}}
    )
    deal = DealFactory(owner=rep, stage=stage, amount=None)
    blocked = api_as(rep).post(f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Won"})
    removed = api.delete(f"/requirements/{added.json()['id']}")

    assert added.status_code == 201
    assert added.json()["label"] == "A field is filled in"
    assert blocked.json()["missing"] == [
        {"code": "field_filled:amount", "message": "Fill in the amount.", "stage": "Closing"}
    ]
    assert removed.status_code == 204
    assert (
        api_as(rep)
        .post(f"/deals/{deal.pk}/move", {"version": deal.version, "stage": "Won"})
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "astrology"}, "kind"),
        ({"kind": "field_filled", "params": {"field": "colour"}}, "params"),
        ({"kind": "Not A Kind"}, "kind"),
    ],
)
def test_a_bad_exit_criterion_answers_422_naming_the_field(api_as, admin_user, body, field):
    stage = stage_named("Closing")

    response = api_as(admin_user).post(f"/stages/{stage.pk}/requirements", body)

    assert invalid_fields(response) == {field}


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_only_admins_change_pipelines_stages_and_exit_criteria(api_as, request, persona):
    pipeline = default_pipeline()
    closing = stage_named("Closing")
    requirement = stage_named("Qualification").requirements.order_by("pk").first()
    api = api_as(request.getfixturevalue(persona))

    assert api.post("/pipelines", {"name": "Mine", "stages": ["A"]}).status_code == 403
    assert api.patch(f"/pipelines/{pipeline.pk}", {"name": "Mine"}).status_code == 403
    assert api.post(f"/pipelines/{pipeline.pk}/stages", {"name": "Mine"}).status_code == 403
    reorder = api.post(f"/pipelines/{pipeline.pk}/stages/reorder", {"stage_ids": []})
    assert reorder.status_code == 403
    assert api.patch(f"/stages/{closing.pk}", {"name": "Mine"}).status_code == 403
    assert api.delete(f"/stages/{closing.pk}").status_code == 403
    added = api.post(f"/stages/{closing.pk}/requirements", {"kind": "decision_maker"})
    assert added.status_code == 403
    assert api.delete(f"/requirements/{requirement.pk}").status_code == 403
    assert Pipeline.objects.count() == 1
    assert stage_named("Qualification").requirements.filter(pk=requirement.pk).exists()
    assert closing.requirements.count() == 0


def test_unknown_pipelines_stages_and_requirements_answer_404(api_as, admin_user):
    api = api_as(admin_user)

    assert api.patch("/pipelines/999999", {"name": "x"}).status_code == 404
    assert api.post("/pipelines/999999/stages", {"name": "x"}).status_code == 404
    assert api.patch("/stages/999999", {"name": "x"}).status_code == 404
    assert api.delete("/stages/999999").status_code == 404
    assert api.get("/stages/999999/requirements").status_code == 404
    assert api.delete("/requirements/999999").status_code == 404
