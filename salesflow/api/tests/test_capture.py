"""The public web-to-lead endpoint: no token, and nothing answered but the new lead's id."""

from __future__ import annotations

import pytest
from django.test import Client

from salesflow.api.tests.conftest import BASE, invalid_fields
from salesflow.leads.models import FormSubmission, Lead
from salesflow.leads.tests.factories import CaptureFormFactory
from tests.factories import CampaignFactory

VISITOR = {
    "first_name": "Ana",
    "last_name": "Lima",
    "email": "Ana.Lima@Example.COM",
    "company": "Lima Logistics",
    "website_url": "",
}


@pytest.fixture
def form(north, rep):
    return CaptureFormFactory(
        campaign=CampaignFactory(name="Spring webinar"),
        source="webinar",
        default_owner=rep,
        default_team=north,
    )


def submit(form_key: str, data: dict, *, as_json: bool = True, ip: str = "203.0.113.5"):
    url = f"{BASE}/public/forms/{form_key}"
    if as_json:
        return Client().post(url, data, content_type="application/json", REMOTE_ADDR=ip)
    return Client().post(url, data, REMOTE_ADDR=ip)


def test_a_json_submission_creates_a_lead_and_answers_only_its_id_and_the_message(form, rep):
    response = submit(form.form_key, VISITOR)

    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "message": form.success_message}
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.email, lead.source, lead.campaign, lead.owner) == (
        "ana.lima@example.com",
        "webinar",
        form.campaign,
        rep,
    )
    assert form.submissions.get().ip_address == "203.0.113.5"


def test_a_form_encoded_submission_creates_a_lead(form):
    response = submit(form.form_key, VISITOR, as_json=False)

    assert response.status_code == 201
    assert Lead.objects.get(pk=response.json()["id"]).last_name == "Lima"


def test_no_token_is_needed_and_a_bad_one_is_ignored(form):
    response = Client().post(
        f"{BASE}/public/forms/{form.form_key}",
        VISITOR,
        content_type="application/json",
        headers={"Authorization": "Bearer sf_not-a-token"},
    )

    assert response.status_code == 201


def test_a_filled_honeypot_answers_400_and_creates_no_lead(form):
    response = submit(form.form_key, {**VISITOR, "website_url": "http://spam.example"})

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert not Lead.objects.exists()
    assert form.submissions.get().outcome == "spam"


def test_an_address_over_the_limit_answers_429_and_refusals_count_towards_it(form):
    form.max_submissions_per_ip = 3
    form.save()
    submit(form.form_key, VISITOR)
    submit(form.form_key, {**VISITOR, "website_url": "bot"})  # refused, but it counts
    submit(form.form_key, {**VISITOR, "website_url": "bot"})

    response = submit(form.form_key, VISITOR)
    other_address = submit(form.form_key, VISITOR, ip="198.51.100.7")

    assert response.status_code == 429
    assert "Too many submissions" in response.json()["detail"]
    assert other_address.status_code == 201
    assert Lead.objects.count() == 2
    outcomes = FormSubmission.objects.order_by("pk").values_list("outcome", flat=True)
    assert list(outcomes) == ["accepted", "spam", "spam", "rate_limited", "accepted"]


def test_an_unknown_form_answers_404(db):
    response = submit("no-such-form", VISITOR)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_inactive_form_answers_404_and_creates_no_lead(form):
    form.is_active = False
    form.save()

    response = submit(form.form_key, VISITOR)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert not Lead.objects.exists()
    assert form.submissions.get().outcome == "closed"


def test_a_bad_email_answers_422_naming_it_and_creates_no_lead(form):
    response = submit(form.form_key, {**VISITOR, "email": "ana@"})

    assert invalid_fields(response) == {"email"}
    assert not Lead.objects.exists()
    assert form.submissions.get().outcome == "invalid"


def test_a_submission_with_nothing_to_call_the_person_by_answers_422(form):
    response = submit(form.form_key, {"industry": "Retail", "website_url": ""})

    assert response.status_code == 422
    assert not Lead.objects.exists()


def test_a_body_that_is_not_a_json_object_answers_400(form):
    response = Client().post(
        f"{BASE}/public/forms/{form.form_key}", "[1, 2]", content_type="application/json"
    )

    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_fields_the_form_does_not_offer_are_ignored(form):
    response = submit(form.form_key, {**VISITOR, "status": "converted", "owner_id": 1})

    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.status == "new"
