"""Custom field values through the API: read, written and filtered as `custom`, documented in
the OpenAPI schema with each field's type."""

from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import ApiClient
from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.services import custom_field_create
from salesflow.leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin_user):
    visits = custom_field_create(
        acting_user=admin_user, kind=RecordKind.LEAD, key="total_visits", label="Total visits",
        type=FieldType.NUMBER,
    )  # fmt: skip
    origin = custom_field_create(
        acting_user=admin_user, kind=RecordKind.LEAD, key="lead_origin", label="Lead origin",
        type=FieldType.CHOICE, choices=["Landing Page Submission", "API"],
    )  # fmt: skip
    return visits, origin


def test_the_api_reads_writes_and_filters_custom_values(rep, fields):
    api = ApiClient(rep)
    body = {
        "last_name": "Ada",
        "source": "seo",
        "custom": {"total_visits": "4", "lead_origin": "API"},
    }
    created = api.post("/leads", body)
    assert created.status_code == 201, created.content
    assert created.json()["custom"] == {"total_visits": 4, "lead_origin": "api"}
    lead_id = created.json()["id"]
    changed = api.patch(f"/leads/{lead_id}", {"custom": {"total_visits": 9}})
    assert changed.json()["custom"] == {"total_visits": 9, "lead_origin": "api"}
    found = api.get("/leads", {"custom.total_visits__gte": "5"})
    assert [item["id"] for item in found.json()["items"]] == [lead_id]


def test_the_api_names_a_wrong_value_and_keeps_the_record(rep, fields):
    lead = LeadFactory(owner=rep, custom={"total_visits": 3})
    response = ApiClient(rep).patch(f"/leads/{lead.pk}", {"custom": {"total_visits": "x"}})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "custom", "total_visits"], "type": "value_error",
         "msg": "Total visits expects a whole number, not 'x'."}
    ]  # fmt: skip
    lead.refresh_from_db()
    assert lead.custom == {"total_visits": 3}


def test_the_api_refuses_an_unknown_filter_naming_it(rep, fields):
    response = ApiClient(rep).get("/deals", {"custom.nope__gte": "1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "custom.nope__gte"]


def test_the_openapi_schema_names_each_field_and_its_type(rep, fields):
    schema = ApiClient(rep).get("/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/leads"]["get"]["parameters"]}
    assert parameters["custom.total_visits"]["schema"]["type"] == "integer"
    assert parameters["custom.lead_origin"]["schema"]["enum"] == ["landing_page_submission", "api"]
    custom = schema["components"]["schemas"]["LeadOut"]["properties"]["custom"]
    assert custom["properties"]["total_visits"]["type"] == "integer"


def test_custom_values_follow_the_access_policy(rep, outsider, fields):
    LeadFactory(owner=outsider, visibility="private", custom={"total_visits": 50})
    found = ApiClient(rep).get("/leads", {"custom.total_visits__gte": "1"})
    assert found.json()["count"] == 0
    assert Lead.objects.count() == 1
