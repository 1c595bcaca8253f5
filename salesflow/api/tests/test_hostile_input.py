"""Input no database can hold answers 422 naming the field, and nothing is stored (issue 14).

These run on SQLite and PostgreSQL alike: PostgreSQL refuses NUL in text and jsonb outright.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from salesflow.activities.models import Activity
from salesflow.api.tests.conftest import BASE
from salesflow.api.tests.test_capture import VISITOR, form, submit  # noqa: F401 - fixture
from salesflow.customers.models import Contact
from salesflow.leads.models import Lead
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def named(response) -> str:
    return json.dumps(response.json())


@pytest.mark.parametrize(
    ("value", "problem"),
    [("Ana\x00Lima", "NUL character"), ("Ana\ud800", "nicode")],
)
def test_text_no_database_can_store_is_refused_naming_the_field(api_as, rep, value, problem):
    response = api_as(rep).post("/contacts", {"first_name": value, "last_name": "Lima"})
    assert response.status_code == 422
    assert "first_name" in named(response) and problem in named(response)
    assert not Contact.objects.filter(last_name="Lima").exists()


def test_an_edit_with_a_nul_leaves_the_record_as_it_was(api_as, rep):
    contact = ContactFactory(owner=rep, first_name="Ana")
    response = api_as(rep).patch(f"/contacts/{contact.pk}", {"first_name": "A\x00na"})
    assert response.status_code == 422 and "first_name" in named(response)
    contact.refresh_from_db()
    assert contact.first_name == "Ana"


@pytest.mark.parametrize("due_at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00"])
def test_a_moment_at_the_ends_of_the_calendar_is_refused(api_as, rep, due_at):
    deal = DealFactory(owner=rep)
    response = api_as(rep).post(
        "/activities", {"type": "task", "subject": "Far", "due_at": due_at, "deal_id": deal.pk}
    )
    assert response.status_code == 422
    assert "due_at" in named(response) and "between the years" in named(response)
    assert not Activity.objects.filter(subject="Far").exists()


def test_a_search_with_a_nul_answers_422_naming_it(api_as, rep):
    response = api_as(rep).get("/deals", {"q": "Acme\x00"})
    assert response.status_code == 422 and "q" in named(response)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": "Ana\ud800"}, "first_name"),
        ({"company": "Lima\x00 Logistics"}, "company"),
        ({"last_name": {"nested": "object"}}, "last_name"),
        ({"email": ["a@example.com"]}, "email"),
    ],
)
def test_the_public_form_refuses_unstorable_fields_naming_them(form, fields, field):  # noqa: F811
    response = submit(form.form_key, {**VISITOR, **fields})
    assert response.status_code == 422
    assert field in named(response)
    assert not Lead.objects.exists()


def test_the_public_form_answers_400_to_json_nested_too_deep(form):  # noqa: F811
    body = "[" * 5000 + "]" * 5000
    response = Client().post(
        f"{BASE}/public/forms/{form.form_key}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Lead.objects.exists()
