"""What every route shares: the token, the schema, the error format."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from salesflow.api.tests.conftest import BASE, ApiClient, invalid_fields
from salesflow.leads.models import Lead
from salesflow.users.services import token_create, token_revoke
from tests.permission_rules import routes as permission_routes

# Every route as the schema names it; the ids are filled with 1 to call them.
EVERY_ROUTE = [
    ("get", "/me"),
    ("get", "/imports"),
    ("post", "/imports"),
    ("get", "/imports/{job_id}"),
    ("get", "/imports/{job_id}/errors.csv"),
    ("get", "/accounts"),
    ("post", "/accounts"),
    ("get", "/accounts/{account_id}"),
    ("patch", "/accounts/{account_id}"),
    ("delete", "/accounts/{account_id}"),
    ("get", "/contacts"),
    ("post", "/contacts"),
    ("get", "/contacts/{contact_id}"),
    ("patch", "/contacts/{contact_id}"),
    ("delete", "/contacts/{contact_id}"),
    ("get", "/leads"),
    ("post", "/leads"),
    ("get", "/leads/{lead_id}"),
    ("patch", "/leads/{lead_id}"),
    ("delete", "/leads/{lead_id}"),
    ("get", "/deals"),
    ("post", "/deals"),
    ("get", "/deals/{deal_id}"),
    ("patch", "/deals/{deal_id}"),
    ("delete", "/deals/{deal_id}"),
    ("post", "/deals/{deal_id}/move"),
    ("post", "/deals/{deal_id}/close"),
    ("post", "/deals/{deal_id}/reopen"),
    ("get", "/deals/{deal_id}/history"),
    ("get", "/activities"),
    ("post", "/activities"),
    ("get", "/activities/{activity_id}"),
    ("patch", "/activities/{activity_id}"),
    ("delete", "/activities/{activity_id}"),
    ("get", "/pipelines"),
    ("get", "/pipelines/{pipeline_id}"),
    ("get", "/lost-reasons"),
    # Leads: score, BANT, duplicates, routing, conversion.
    ("get", "/leads/queue"),
    ("get", "/leads/{lead_id}/duplicates"),
    ("post", "/leads/{lead_id}/qualification"),
    ("post", "/leads/{lead_id}/assign"),
    ("post", "/leads/{lead_id}/convert"),
    ("post", "/leads/{lead_id}/merge"),
    ("get", "/disqualification-reasons"),
    ("get", "/campaigns"),
    ("post", "/campaigns"),
    # Custom fields.
    ("get", "/custom-fields"),
    ("post", "/custom-fields"),
    ("patch", "/custom-fields/{field_id}"),
    ("post", "/custom-fields/{field_id}/archive"),
    ("post", "/custom-fields/{field_id}/restore"),
    ("post", "/custom-fields/{field_id}/type"),
    # Lead settings.
    ("get", "/settings/profile-criteria"),
    ("post", "/settings/profile-criteria"),
    ("patch", "/settings/profile-criteria/{criterion_id}"),
    ("delete", "/settings/profile-criteria/{criterion_id}"),
    ("get", "/settings/scoring-rules"),
    ("post", "/settings/scoring-rules"),
    ("patch", "/settings/scoring-rules/{rule_id}"),
    ("delete", "/settings/scoring-rules/{rule_id}"),
    ("get", "/settings/scoring"),
    ("patch", "/settings/scoring"),
    ("get", "/settings/assignment-rules"),
    ("post", "/settings/assignment-rules"),
    ("patch", "/settings/assignment-rules/{rule_id}"),
    ("delete", "/settings/assignment-rules/{rule_id}"),
    ("get", "/settings/capture-forms"),
    ("post", "/settings/capture-forms"),
    ("patch", "/settings/capture-forms/{form_id}"),
    ("delete", "/settings/capture-forms/{form_id}"),
    # Pipelines, stages and exit criteria.
    ("post", "/pipelines"),
    ("patch", "/pipelines/{pipeline_id}"),
    ("post", "/pipelines/{pipeline_id}/stages"),
    ("post", "/pipelines/{pipeline_id}/stages/reorder"),
    ("patch", "/stages/{stage_id}"),
    ("delete", "/stages/{stage_id}"),
    ("get", "/stages/{stage_id}/requirements"),
    ("post", "/stages/{stage_id}/requirements"),
    ("delete", "/requirements/{requirement_id}"),
    # The sales process on a deal.
    ("get", "/deals/{deal_id}/blockers"),
    ("get", "/deals/{deal_id}/qualification"),
    ("put", "/deals/{deal_id}/qualification"),
    ("get", "/deals/{deal_id}/checklist"),
    ("post", "/deals/{deal_id}/checklist/{item_id}"),
    ("get", "/deals/{deal_id}/answers"),
    ("post", "/deals/{deal_id}/answers"),
    ("post", "/deals/{deal_id}/assessment/confirm"),
    ("post", "/deals/{deal_id}/first-meeting"),
    ("post", "/deals/{deal_id}/next-action"),
    ("get", "/deals/{deal_id}/stakeholders"),
    ("post", "/deals/{deal_id}/stakeholders"),
    ("patch", "/deals/{deal_id}/stakeholders/{stakeholder_id}"),
    ("delete", "/deals/{deal_id}/stakeholders/{stakeholder_id}"),
    ("get", "/deals/{deal_id}/competitors"),
    ("post", "/deals/{deal_id}/competitors"),
    ("patch", "/deals/{deal_id}/competitors/{entry_id}"),
    ("delete", "/deals/{deal_id}/competitors/{entry_id}"),
    ("get", "/deals/{deal_id}/objections"),
    ("post", "/deals/{deal_id}/objections"),
    ("post", "/objections/{objection_id}/answer"),
    ("post", "/objections/{objection_id}/resolve"),
    ("get", "/objection-library"),
    ("post", "/objection-library"),
    ("patch", "/objection-library/{response_id}"),
    # Quotes and products.
    ("get", "/deals/{deal_id}/quotes"),
    ("post", "/deals/{deal_id}/quotes"),
    ("get", "/quotes/{quote_id}"),
    ("patch", "/quotes/{quote_id}"),
    ("post", "/quotes/{quote_id}/lines"),
    ("patch", "/quotes/{quote_id}/lines/{line_id}"),
    ("delete", "/quotes/{quote_id}/lines/{line_id}"),
    ("post", "/quotes/{quote_id}/submit"),
    ("post", "/quotes/{quote_id}/approve"),
    ("post", "/quotes/{quote_id}/decline"),
    ("post", "/quotes/{quote_id}/send"),
    ("post", "/quotes/{quote_id}/accept"),
    ("post", "/quotes/{quote_id}/reject"),
    ("post", "/quotes/{quote_id}/revise"),
    ("get", "/products"),
    ("post", "/products"),
    ("get", "/products/{product_id}"),
    ("patch", "/products/{product_id}"),
    ("post", "/products/{product_id}/archive"),
    ("post", "/products/{product_id}/restore"),
    ("get", "/deals/{deal_id}/lines"),
    ("post", "/deals/{deal_id}/lines"),
    ("put", "/deals/{deal_id}/lines/amount"),
    ("patch", "/deal-lines/{line_id}"),
    ("delete", "/deal-lines/{line_id}"),
    ("get", "/imports/presets"),
    ("get", "/users"),
    ("get", "/analytics"),
    ("get", "/analytics/overview"),
    ("get", "/analytics/funnel"),
    ("get", "/analytics/lead-funnel"),
    ("get", "/analytics/velocity"),
    ("get", "/analytics/detours"),
    ("get", "/analytics/win-rates"),
    ("get", "/analytics/sources"),
    ("get", "/analytics/activity"),
    ("get", "/analytics/objections"),
    ("get", "/analytics/forecast"),
    ("get", "/analytics/forecast-backtest"),
]
# The later features list their routes beside their permission rules.
EVERY_ROUTE += permission_routes()
# Open to anyone by design: the web-to-lead capture form (tested in test_capture.py).
PUBLIC_ROUTES = [("post", "/public/forms/{form_key}")]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), EVERY_ROUTE)
def test_every_route_answers_401_without_a_token(method, path):
    url = BASE + re.sub(r"\{\w+\}", "1", path)

    response = getattr(Client(), method)(url, content_type="application/json")

    assert response.status_code == 401


@pytest.mark.django_db
def test_an_unknown_token_answers_401():
    response = Client().get(BASE + "/me", headers={"Authorization": "Bearer sf_not-a-token"})

    assert response.status_code == 401


def test_a_revoked_token_answers_401(rep):
    token, key = token_create(user=rep)
    token_revoke(token=token)

    response = Client().get(BASE + "/me", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 401


def test_a_deactivated_users_token_answers_401(rep):
    _, key = token_create(user=rep)
    rep.is_active = False
    rep.save()

    response = Client().get(BASE + "/me", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 401


def test_a_signed_in_browser_session_is_not_enough(rep_client):
    response = rep_client.get(BASE + "/me")

    assert response.status_code == 401


def test_me_describes_the_tokens_user(api_as, rep, north):
    response = api_as(rep).get("/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": rep.pk,
        "username": "rep",
        "first_name": rep.first_name,
        "last_name": rep.last_name,
        "email": rep.email,
        "role": "rep",
        "is_admin": False,
        "is_manager": False,
        "team_ids": [north.pk],
        "calendar_url": None,
    }


def test_a_token_from_token_create_can_post_a_lead_and_get_it_back(rep):
    _, key = token_create(user=rep, name="zapier")
    client = Client()
    auth = {"Authorization": f"Bearer {key}"}

    created = client.post(
        "/api/v1/leads",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ADA@Example.com", "source": "seo"},
        content_type="application/json",
        headers=auth,
    )
    fetched = client.get(f"/api/v1/leads/{created.json()['id']}", headers=auth)

    assert created.status_code == 201
    assert fetched.status_code == 200
    assert fetched.json()["email"] == "ada@example.com"
    assert fetched.json()["owner_id"] == rep.pk
    assert Lead.objects.get(pk=created.json()["id"]).last_name == "Lovelace"


@pytest.mark.django_db
def test_openapi_schema_loads_and_lists_every_route():
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Salesflow API"
    assert schema["info"]["version"] == "1"
    documented = {
        (method, path.removeprefix(BASE))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    assert documented == set(EVERY_ROUTE) | set(PUBLIC_ROUTES)


@pytest.mark.django_db
def test_docs_page_loads():
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200


def test_an_unknown_body_field_answers_422_naming_it(api_as, rep):
    response = api_as(rep).post("/accounts", {"name": "Acme", "colour": "red"})

    assert invalid_fields(response) == {"colour"}


def test_schema_and_service_errors_share_one_format(api_as, rep):
    schema_refusal = api_as(rep).post("/accounts", {"name": "Acme", "tier": "Z"})
    service_refusal = api_as(rep).post("/accounts", {"name": "Acme", "website": "not a url"})

    for response in (schema_refusal, service_refusal):
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert set(error) >= {"loc", "msg", "type"}
        assert error["loc"][0] == "body"
        assert len(error["loc"]) == 2
    assert schema_refusal.json()["detail"][0]["loc"] == ["body", "tier"]
    assert service_refusal.json()["detail"][0]["loc"] == ["body", "website"]
    assert service_refusal.json()["detail"][0]["type"] == "value_error"


@pytest.mark.parametrize("limit", [0, 201])
def test_a_page_size_outside_1_to_200_answers_422_naming_limit(api_as, rep, limit):
    response = api_as(rep).get("/accounts", {"limit": limit})

    assert invalid_fields(response) == {"limit"}


def test_a_non_numeric_id_answers_422(api_as, rep):
    response = api_as(rep).get("/accounts/abc")

    assert invalid_fields(response) == {"account_id"}


def test_the_api_client_helper_sends_a_working_token(rep):
    assert ApiClient(rep).get("/me").status_code == 200


@pytest.mark.django_db
def test_changes_through_the_api_are_audited_with_the_tokens_user(rep):
    from salesflow.audit.selectors import record_history
    from salesflow.users.services import token_create
    from tests.factories import DealFactory

    deal = DealFactory(owner=rep, amount=100)
    key = token_create(user=rep)[1]
    response = Client().patch(
        f"/api/v1/deals/{deal.pk}",
        {"amount": "250"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    entry = record_history(deal).first()
    assert entry.actor == rep
    assert entry.changes_dict["amount"][1] == "250"


@pytest.mark.django_db
def test_a_huge_offset_is_refused_naming_the_field(rep):
    key = token_create(user=rep)[1]
    response = Client().get(
        "/api/v1/leads", {"offset": 10**20}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 422
    assert "offset" in response.content.decode()
