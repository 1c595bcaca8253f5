from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from salesflow.api.tests.conftest import BASE, invalid_fields
from salesflow.customfields.models import CustomField
from salesflow.imports import views
from salesflow.imports.models import ImportJob, ImportMapping
from salesflow.leads.models import Lead

MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name"},
    "defaults": {"source": "other"},
}
CONTENT = "Email,Name\nada@example.com,Ada Lovelace\nnot-an-email,Alan Turing\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(api, content: str = CONTENT, name: str = "leads.csv", **fields):
    """POST /imports as multipart, with the mapping as JSON unless the test says otherwise."""
    data = {"kind": "leads", "mapping": json.dumps(MAPPING), **fields}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    data = {key: value for key, value in data.items() if value is not None}
    return api.client.post(BASE + "/imports", data, headers=api.headers)


def test_an_upload_is_imported_and_its_counts_and_errors_read_back(api_as, rep):
    api = api_as(rep)

    response = upload(api)

    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["status"], job["kind"], job["filename"], job["progress"]) == (
        "done",
        "leads",
        "leads.csv",
        100,
    )
    assert job["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 1}
    detail = api.get(f"/imports/{job['id']}").json()
    assert detail["counts"]["created"] == 1
    assert detail["errors"] == [
        {
            "row": 3,
            "column": "Email",
            "value": "not-an-email",
            "message": detail["errors"][0]["message"],
        }
    ]
    assert "email" in detail["errors"][0]["message"].lower()
    assert Lead.objects.get().owner == rep


def test_a_saved_mapping_can_be_named_by_id_and_modes_are_honoured(api_as, rep):
    saved = ImportMapping.objects.create(name="Fair", kind="leads", definition=MAPPING, owner=rep)

    response = upload(
        api_as(rep), mapping=None, mapping_id=saved.pk, mode="all_or_nothing", dry_run="true"
    )

    job = response.json()
    assert response.status_code == 201, job
    assert (job["mapping_id"], job["mode"], job["dry_run"]) == (saved.pk, "all_or_nothing", True)
    assert not Lead.objects.exists()


def test_a_big_file_is_left_to_the_worker(api_as, rep, monkeypatch):
    monkeypatch.setattr(views, "INLINE_MAX_ROWS", 1)

    response = upload(api_as(rep))

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["progress"]) == ("pending", 0)
    assert not Lead.objects.exists()


def test_the_list_shows_own_jobs(api_as, rep, teammate):
    mine = upload(api_as(rep)).json()
    upload(api_as(teammate))

    response = api_as(rep).get("/imports")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [mine["id"]]
    assert response.json()["count"] == 1


def test_the_errors_csv_lists_every_problem_with_formulas_defused(api_as, rep):
    api = api_as(rep)
    job = upload(api, 'Email,Name\n"=1+2",Evil Row\n').json()

    response = api.get(f"/imports/{job['id']}/errors.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "message"]
    assert rows[1][:3] == ["2", "Email", "'=1+2"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"content": None}, "file"),
        ({"kind": "invoices"}, "kind"),
        ({"mapping": "{not json"}, "mapping"),
        ({"mapping": None}, "mapping"),
        ({"mapping": json.dumps({"columns": {"Email": "shoe_size"}})}, "mapping"),
        ({"mapping_id": 999999, "mapping": None}, "mapping_id"),
        ({"mode": "some"}, "mode"),
        ({"name": "report.pdf"}, "file"),
        ({"default_owner_id": 999999}, "default_owner_id"),
    ],
    ids=[
        "no-file", "unknown-kind", "bad-json", "no-mapping", "unknown-field",
        "unknown-mapping-id", "unknown-mode", "not-csv", "unknown-owner",
    ],
)  # fmt: skip
def test_bad_input_answers_422_naming_the_field(api_as, rep, fields, expected):
    response = upload(api_as(rep), **fields)

    assert invalid_fields(response) == {expected}
    assert not ImportJob.objects.exists()


def test_the_mapping_problems_are_listed_by_name(api_as, rep):
    bad = {"columns": {"Email": "email", "Name": "email"}}

    response = upload(api_as(rep), mapping=json.dumps(bad))

    messages = [error["msg"] for error in response.json()["detail"]]
    assert "Columns 'Email' and 'Name' both map to 'email'." in messages
    assert any(message.startswith("Leads need a source") for message in messages)


def test_an_oversize_file_answers_422_naming_it(api_as, rep, settings):
    settings.SALESFLOW_IMPORT_MAX_BYTES = 10

    response = upload(api_as(rep), name="big.csv")

    assert invalid_fields(response) == {"file"}
    assert response.json()["detail"][0]["msg"].startswith("big.csv is ")


def test_rows_may_go_to_a_teammate_but_not_to_another_team(api_as, rep, teammate, outsider):
    api = api_as(rep)

    given = upload(api, default_owner_id=teammate.pk)
    refused = upload(api, default_owner_id=outsider.pk)

    assert given.status_code == 201 and given.json()["default_owner_id"] == teammate.pk
    assert Lead.objects.get().owner == teammate
    assert invalid_fields(refused) == {"default_owner_id"}


def test_someone_elses_job_is_not_found(api_as, rep, outsider, teammate):
    job = upload(api_as(rep)).json()

    for user in (outsider, teammate):
        assert api_as(user).get(f"/imports/{job['id']}").status_code == 404
        assert api_as(user).get(f"/imports/{job['id']}/errors.csv").status_code == 404


def test_admins_read_every_job(api_as, rep, admin_user):
    job = upload(api_as(rep)).json()

    assert api_as(admin_user).get(f"/imports/{job['id']}").status_code == 200


def test_without_a_token_the_answer_is_401(rep):
    file = SimpleUploadedFile("leads.csv", CONTENT.encode(), content_type="text/csv")
    client = Client()

    posted = client.post(BASE + "/imports", {"kind": "leads", "file": file})

    assert posted.status_code == 401
    assert client.get(BASE + "/imports").status_code == 401
    assert not ImportJob.objects.exists()


# -- custom fields ----------------------------------------------------------------------------

VISITS_CONTENT = (
    "Email,Name,Total Visits\nada@example.com,Ada Lovelace,7\nalan@example.com,Alan,x\n"
)
WITH_CUSTOM = {
    **MAPPING,
    "columns": {**MAPPING["columns"], "Total Visits": "custom.total_visits"},
    "custom_fields": [{"key": "total_visits", "label": "Total visits", "type": "number"}],
}


def test_an_admin_imports_custom_values_creating_the_fields_the_mapping_defines(api_as, admin_user):
    response = upload(api_as(admin_user), VISITS_CONTENT, mapping=json.dumps(WITH_CUSTOM))

    job = response.json()
    assert response.status_code == 201, job
    assert job["counts"]["created"] == 1
    assert job["errors"][0] == {
        "row": 3,
        "column": "Total Visits",
        "value": "x",
        "message": "Total visits expects a whole number, not 'x'.",
    }
    assert "Created the lead custom field Total visits" in job["message"]
    assert CustomField.objects.get().label == "Total visits"
    assert Lead.objects.get().custom == {"total_visits": 7}


def test_a_rep_gets_422_naming_the_fields_only_an_admin_can_create(api_as, rep):
    response = upload(api_as(rep), VISITS_CONTENT, mapping=json.dumps(WITH_CUSTOM))

    assert invalid_fields(response) == {"mapping"}
    message = response.json()["detail"][0]["msg"]
    assert "Total visits (total_visits, whole number) does not exist yet" in message
    assert "Ask an admin to run this import" in message
    assert not ImportJob.objects.exists()
    assert not CustomField.objects.exists()
    assert not Lead.objects.exists()


def test_a_rep_may_dry_run_it_and_sees_what_would_be_created(api_as, rep):
    response = upload(api_as(rep), VISITS_CONTENT, mapping=json.dumps(WITH_CUSTOM), dry_run="true")

    job = response.json()
    assert response.status_code == 201, job
    assert (job["counts"]["created"], job["counts"]["errors"]) == (1, 1)
    assert "would create the lead custom field Total visits" in job["message"]
    assert not CustomField.objects.exists()
    assert not Lead.objects.exists()


def test_an_unknown_custom_target_answers_422_naming_it(api_as, rep):
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "Total Visits": "custom.visits"}}

    response = upload(api_as(rep), VISITS_CONTENT, mapping=json.dumps(mapping))

    assert invalid_fields(response) == {"mapping"}
    assert response.json()["detail"][0]["msg"].startswith(
        "columns.'Total Visits': there is no lead custom field 'visits'"
    )
