from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.pipeline.models import LostReason, Pipeline, StageChange, StageRequirement
from tests.factories import DealFactory, default_pipeline, stage_named

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"pipeline-settings:{name}", args=args)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


def open_stage_names(pipeline: Pipeline) -> list[str]:
    return list(
        pipeline.stages.active()
        .filter(kind="open")
        .order_by("position")
        .values_list("name", flat=True)
    )


# Access


def _pages() -> list[tuple[str, str]]:
    pipeline, stage = default_pipeline(), stage_named("Closing")
    requirement = StageRequirement.objects.filter(stage__pipeline=pipeline).first()
    reason = LostReason.objects.first()
    return [
        ("GET", url("pipeline-list")),
        ("GET", url("pipeline-create")),
        ("GET", url("pipeline-detail", pipeline.pk)),
        ("GET", url("pipeline-edit", pipeline.pk)),
        ("GET", url("stage-add", pipeline.pk)),
        ("GET", url("stage-edit", stage.pk)),
        ("POST", url("stage-move", stage.pk)),
        ("GET", url("stage-remove", stage.pk)),
        ("GET", url("stage-requirements", stage.pk)),
        ("POST", url("requirement-move", requirement.pk)),
        ("POST", url("requirement-remove", requirement.pk)),
        ("GET", url("lost-reasons")),
        ("GET", url("lost-reason-edit", reason.pk)),
        ("POST", url("lost-reason-deactivate", reason.pk)),
    ]


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_settings_pages_are_for_admins_only(persona, request):
    client = client_for(request.getfixturevalue(persona))
    for method, page in _pages():
        response = client.get(page) if method == "GET" else client.post(page, {"direction": "up"})
        assert response.status_code == 403, page
    assert (
        StageRequirement.objects.count() > 0
        and LostReason.objects.filter(is_active=False).count() == 0
    )


def test_admin_opens_every_settings_page(admin_client):
    for method, page in _pages():
        if method == "GET":
            assert admin_client.get(page).status_code == 200, page


def test_settings_link_is_shown_to_admins_only(admin_client, rep_client):
    assert url("pipeline-list") in admin_client.get(reverse("board:board")).content.decode()
    assert url("pipeline-list") not in rep_client.get(reverse("board:board")).content.decode()


# Pipelines


def test_pipeline_list_shows_pipelines_and_renders_a_partial_for_htmx(admin_client):
    response = admin_client.get(url("pipeline-list"))
    assert "Sales process" in response.content.decode() and "<html" in response.content.decode()
    partial = admin_client.get(url("pipeline-list"), **HTMX).content.decode()
    assert "Sales process" in partial and "<html" not in partial


def test_admin_creates_a_pipeline_with_its_stages(admin_client):
    data = {"name": "Upsell", "description": "", "stages": "Discovery\n\nOffer\n"}
    response = admin_client.post(url("pipeline-create"), data)
    pipeline = Pipeline.objects.get(name="Upsell")
    assert response.status_code == 302 and response["Location"] == url(
        "pipeline-detail", pipeline.pk
    )
    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names == ["Discovery", "Offer", "Won", "Lost"]


def test_pipeline_create_with_bad_input_saves_nothing(admin_client):
    response = admin_client.post(url("pipeline-create"), {"name": "Upsell", "stages": "  \n"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    response = admin_client.post(url("pipeline-create"), {"name": "Upsell", "stages": "Won"})
    assert "or rename it." in response.content.decode()
    response = admin_client.post(url("pipeline-create"), {"name": "Sales process", "stages": "A"})
    assert "already exists" in response.content.decode()
    assert Pipeline.objects.count() == 1


def test_admin_edits_a_pipeline(admin_client):
    pipeline = default_pipeline()
    data = {
        "name": "New business",
        "description": "Our main process",
        "is_default": "on",
        "is_active": "on",
    }
    response = admin_client.post(url("pipeline-edit", pipeline.pk), data)
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert pipeline.name == "New business" and pipeline.description == "Our main process"


def test_the_default_pipeline_cannot_be_deactivated(admin_client):
    pipeline = default_pipeline()
    data = {"name": pipeline.name, "is_default": "on"}  # is_active unticked
    response = admin_client.post(url("pipeline-edit", pipeline.pk), data)
    assert response.status_code == 200
    assert "The default pipeline stays active." in response.content.decode()
    pipeline.refresh_from_db()
    assert pipeline.is_active


# Stages


def test_pipeline_page_lists_stages_with_their_criteria(admin_client):
    pipeline = default_pipeline()
    content = admin_client.get(url("pipeline-detail", pipeline.pk)).content.decode()
    for name in ("Prospecting", "Qualification", "Closing", "Won", "Lost"):
        assert name in content
    assert url("stage-requirements", stage_named("Qualification").pk) in content


def test_admin_adds_a_stage_at_a_position(admin_client):
    pipeline = default_pipeline()
    data = {"name": "Pilot", "probability": "75", "rotting_days": "10", "position": "6"}
    response = admin_client.post(url("stage-add", pipeline.pk), data)
    assert response.status_code == 302
    assert open_stage_names(pipeline)[5] == "Pilot"
    assert pipeline.stages.get(name="Pilot").probability == 75


def test_stage_add_refuses_a_taken_name(admin_client):
    pipeline = default_pipeline()
    count = pipeline.stages.count()
    response = admin_client.post(url("stage-add", pipeline.pk), {"name": "closing"})
    assert response.status_code == 200
    assert "already has a stage" in response.content.decode()
    assert pipeline.stages.count() == count


def test_admin_edits_a_stage(admin_client):
    stage = stage_named("Closing")
    data = {
        "name": "Negotiation",
        "probability": "80",
        "rotting_days": "7",
        "guidance": "Agree terms.",
    }
    assert admin_client.post(url("stage-edit", stage.pk), data).status_code == 302
    stage.refresh_from_db()
    assert (stage.name, stage.probability, stage.rotting_days) == ("Negotiation", 80, 7)


def test_stage_edit_with_a_bad_probability_saves_nothing(admin_client):
    stage = stage_named("Closing")
    data = {"name": "Closing", "probability": "150"}
    response = admin_client.post(url("stage-edit", stage.pk), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    stage.refresh_from_db()
    assert stage.probability == 85


def test_stages_move_up_and_down(admin_client):
    pipeline = default_pipeline()
    closing = stage_named("Closing")
    response = admin_client.post(url("stage-move", closing.pk), {"direction": "up"})
    assert response.status_code == 302
    assert open_stage_names(pipeline)[-2:] == ["Closing", "Proposal and objections"]
    response = admin_client.post(url("stage-move", closing.pk), {"direction": "down"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content and "Closing" in content
    assert open_stage_names(pipeline)[-2:] == ["Proposal and objections", "Closing"]


def test_the_last_open_stage_cannot_move_down(admin_client):
    pipeline = default_pipeline()
    before = open_stage_names(pipeline)
    response = admin_client.post(
        url("stage-move", stage_named("Closing").pk), {"direction": "down"}, follow=True
    )
    assert "cannot move that way" in response.content.decode()
    assert open_stage_names(pipeline) == before


def test_removing_a_stage_with_deals_asks_where_they_go(admin_client, rep):
    closing, proposal = stage_named("Closing"), stage_named("Proposal and objections")
    deal = DealFactory(owner=rep, stage=closing)
    page = admin_client.get(url("stage-remove", closing.pk)).content.decode()
    assert "1 deal" in page and "Move its deals to" in page

    response = admin_client.post(url("stage-remove", closing.pk), {})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    closing.refresh_from_db()
    assert not closing.is_archived

    response = admin_client.post(url("stage-remove", closing.pk), {"move_deals_to": proposal.pk})
    assert response.status_code == 302
    deal.refresh_from_db()
    closing.refresh_from_db()
    assert deal.stage == proposal and closing.is_archived
    assert StageChange.objects.filter(deal=deal, to_stage=proposal).exists()


def test_an_empty_stage_is_removed_at_once(admin_client):
    pipeline = default_pipeline()
    prospecting = stage_named("Prospecting")
    assert (
        "No deal is in this stage."
        in admin_client.get(url("stage-remove", prospecting.pk)).content.decode()
    )
    assert admin_client.post(url("stage-remove", prospecting.pk)).status_code == 302
    assert "Prospecting" not in open_stage_names(pipeline)


def test_the_won_stage_cannot_be_removed(admin_client):
    won = stage_named("Won")
    response = admin_client.post(url("stage-remove", won.pk))
    assert (
        response.status_code == 200
        and "exactly one won and one lost stage" in response.content.decode()
    )
    won.refresh_from_db()
    assert not won.is_archived


# Exit criteria


def test_admin_adds_a_field_filled_criterion(admin_client):
    closing = stage_named("Closing")
    data = {"kind": "field_filled", "field": "expected_close_on", "label": ""}
    response = admin_client.post(url("stage-requirements", closing.pk), data)
    assert response.status_code == 302
    requirement = closing.requirements.get()
    assert requirement.kind == "field_filled" and requirement.params == {
        "field": "expected_close_on"
    }
    assert (
        "A field is filled in"
        in admin_client.get(url("stage-requirements", closing.pk)).content.decode()
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "field_filled"}, "Choose the field that must be filled in."),
        ({"kind": "nonsense"}, "Select a valid choice."),
        ({"kind": "decision_maker", "params": "{oops"}, "Enter valid JSON"),
        (
            {"kind": "assessment_answered", "params": '{"question_set": 99999}'},
            "existing question set",
        ),
    ],
)
def test_criterion_with_bad_input_is_not_added(admin_client, data, error):
    closing = stage_named("Closing")
    response = admin_client.post(url("stage-requirements", closing.pk), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not closing.requirements.exists()


def test_criteria_are_reordered_and_removed(admin_client):
    presentation = stage_named("Presentation / demo")
    first, second = presentation.requirements.order_by("position")
    response = admin_client.post(url("requirement-move", second.pk), {"direction": "up"}, **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert list(presentation.requirements.order_by("position")) == [second, first]
    response = admin_client.post(url("requirement-remove", first.pk))
    assert response.status_code == 302
    assert list(presentation.requirements.all()) == [second]


# Lost reasons


def test_admin_adds_renames_and_deactivates_a_lost_reason(admin_client):
    response = admin_client.post(url("lost-reasons"), {"name": "  Chose to build in-house "})
    assert response.status_code == 302
    reason = LostReason.objects.get(name="Chose to build in-house")
    data = {"name": "Built it in-house", "position": reason.position, "is_active": "on"}
    assert admin_client.post(url("lost-reason-edit", reason.pk), data).status_code == 302
    assert admin_client.post(url("lost-reason-deactivate", reason.pk)).status_code == 302
    reason.refresh_from_db()
    assert reason.name == "Built it in-house" and not reason.is_active
    assert "Built it in-house" in admin_client.get(url("lost-reasons")).content.decode()


def test_a_duplicate_lost_reason_is_not_added(admin_client):
    count = LostReason.objects.count()
    response = admin_client.post(url("lost-reasons"), {"name": "Price too high"})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert LostReason.objects.count() == count


def test_renaming_a_lost_reason_to_a_taken_name_is_refused_on_its_page(admin_client):
    reason = LostReason.objects.exclude(name="Price too high").first()
    data = {"name": "Price too high", "position": reason.position, "is_active": "on"}
    response = admin_client.post(url("lost-reason-edit", reason.pk), data)
    content = response.content.decode()
    assert response.status_code == 200 and "already exists" in content
    assert f'href="{url("lost-reasons")}"' in content  # the way back
    assert LostReason.objects.get(pk=reason.pk).name == reason.name


def test_lost_reasons_page_renders_a_partial_for_htmx(admin_client):
    content = admin_client.get(url("lost-reasons"), **HTMX).content.decode()
    assert "Price too high" in content and "<html" not in content
