from __future__ import annotations

from salesflow.api.tests.conftest import ids
from salesflow.pipeline.models import LostReason
from tests.factories import default_pipeline


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
