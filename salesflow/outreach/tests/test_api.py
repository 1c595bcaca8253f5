"""The outreach API: segments, templates, email campaigns, a single email."""

from __future__ import annotations

import pytest
from django.test import Client

from salesflow.outreach.models import EmailTemplate, Mailing, Segment
from salesflow.outreach.services import mailing_send_batch
from salesflow.outreach.tests.conftest import contact
from salesflow.users.services import token_create

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_create(user=user)[1]}"}

    def get(self, path):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers
        )


def _fields(response):
    return [error["loc"][-1] for error in response.json()["detail"]]


def test_a_campaign_from_start_to_bounces(rep, smtp_server, django_capture_on_commit_callbacks):
    api = Api(rep)
    contact(rep, "ok@example.org")
    contact(rep, "dnc@example.org", do_not_contact=True)
    segment = api.post("/segments", {"name": "Software", "filters": {"industry": ["Software"]}})
    assert segment.status_code == 201, segment.content
    preview = api.get(f"/segments/{segment.json()['id']}/preview").json()
    assert preview["count"] == 2
    template = api.post(
        "/email-templates",
        {"name": "News", "subject": "News, {{ first_name }}", "body_text": "Hi {{ company }}"},
    )
    assert template.status_code == 201
    created = api.post(
        "/email-campaigns",
        {"name": "Launch", "kind": "newsletter", "template_id": template.json()["id"],
         "segment_id": segment.json()["id"]},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/email-campaigns/{campaign_id}/send")
    assert sent.status_code == 202
    assert sent.json()["counts"]["skipped_by_reason"] == {"do_not_contact": 1}
    assert api.post(f"/email-campaigns/{campaign_id}/send").status_code == 422
    mailing_send_batch(campaign_id)
    assert smtp_server.recipients() == {"ok@example.org"}
    rows = api.get(f"/email-campaigns/{campaign_id}/recipients?status=sent").json()
    assert [row["email"] for row in rows["items"]] == ["ok@example.org"]
    bounced = api.post(f"/email-campaigns/{campaign_id}/bounces", {"emails": ["ok@example.org"]})
    assert bounced.json() == {"bounced": 1}
    detail = api.get(f"/email-campaigns/{campaign_id}").json()
    assert detail["status"] == "done" and detail["counts"]["bounced"] == 1


def test_bad_input_answers_422_naming_the_field(rep, outsider, template, segment):
    api = Api(rep)
    bad_filter = api.post("/segments", {"name": "X", "filters": {"tier": ["Z"]}})
    assert bad_filter.status_code == 422 and "tier" in _fields(bad_filter)
    unknown_filter = api.post("/segments", {"name": "X", "filters": {"colour": "red"}})
    assert unknown_filter.status_code == 422 and "colour" in _fields(unknown_filter)
    bad_merge = api.post(
        "/email-templates", {"name": "T", "subject": "S", "body_text": "{{ nick }}"}
    )
    assert bad_merge.status_code == 422 and _fields(bad_merge) == ["body_text"]
    bad_kind = api.post(
        "/email-campaigns",
        {"name": "C", "kind": "spam", "template_id": template.pk, "segment_id": segment.pk},
    )
    assert bad_kind.status_code == 422 and "kind" in _fields(bad_kind)
    hidden = Api(outsider).post(
        "/email-campaigns",
        {"name": "C", "kind": "newsletter", "template_id": template.pk, "segment_id": segment.pk},
    )
    assert hidden.status_code == 422 and "template_id" in _fields(hidden)
    assert not Mailing.objects.exists()
    assert Segment.objects.count() == 1 and EmailTemplate.objects.count() == 1


def test_single_email_by_api_refuses_do_not_contact(rep, smtp_server):
    api = Api(rep)
    ok = contact(rep, "ok@example.org")
    dnc = contact(rep, "dnc@example.org", do_not_contact=True)
    refused = api.post(f"/contacts/{dnc.pk}/email", {"subject": "Hi", "body": "Hello"})
    assert refused.status_code == 422 and "contact_id" in _fields(refused)
    assert smtp_server.received == []
    sent = api.post(f"/contacts/{ok.pk}/email", {"subject": "Hi", "body": "Hello"})
    assert sent.status_code == 201
    assert smtp_server.recipients() == {"ok@example.org"}


def test_lists_keep_their_query_count(rep, template, segment, mailing,
                                      django_assert_max_num_queries):  # fmt: skip
    api = Api(rep)
    for path in ("/segments", "/email-templates", "/email-campaigns"):
        with django_assert_max_num_queries(8):
            response = api.get(path)
        assert response.json()["count"] == 1
