"""Importing users, teams or products is for admins (issue #14, point 14): the role is checked
before anything else of the request, so a rep learns only that, whatever the body holds."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import client_for
from salesflow.api.tests.conftest import ApiClient
from salesflow.imports.models import ImportJob
from salesflow.imports.tests.test_views import upload

pytestmark = pytest.mark.django_db

ROLE_REFUSAL = "Only an admin may import users and teams."


def garbage() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"%PDF-1.4 ...", content_type="application/pdf")


@pytest.mark.parametrize("kind", ["users", "products"])
def test_the_api_answers_the_role_before_the_file_or_the_mapping(rep, kind):
    api = ApiClient(rep)

    response = api.client.post(
        "/api/v1/imports",
        {"kind": kind, "mapping": "{not json", "file": garbage()},
        headers=api.headers,
    )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"][-1] == "kind"
    assert problem["msg"].startswith("Only an admin may import")
    assert not ImportJob.objects.exists()


def test_the_wizard_answers_the_role_before_the_file(rep):
    response = upload(client_for(rep), garbage(), kind="users")

    body = response.content.decode()
    assert response.status_code == 200
    assert ROLE_REFUSAL in body
    assert "is not a CSV or XLSX file" not in body
    assert not ImportJob.objects.exists()


def test_an_admin_sending_the_same_garbage_hears_about_the_file(admin_user):
    api = ApiClient(admin_user)

    response = api.client.post(
        "/api/v1/imports",
        {"kind": "users", "mapping": "{not json", "file": garbage()},
        headers=api.headers,
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "file"
