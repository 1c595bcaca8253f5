"""The import wizard (upload, map, preview, run) and the job pages, through HTTP."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import client_for
from salesflow.customers.models import Account
from salesflow.customfields.models import CustomField
from salesflow.customfields.services import custom_field_create
from salesflow.imports import views
from salesflow.imports.models import ImportJob, ImportMapping, ImportStatus
from salesflow.imports.services import import_job_create, import_run
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LEADS_CSV = (
    "E-Mail Address,Name,Company,Lead Source\n"
    "ada@example.com,Ada Lovelace,Analytical Engines,referral\n"
    "grace@example.com,Grace Hopper,Navy,referral\n"
)
MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name"},
    "defaults": {"source": "other"},
}


def url(name: str, *args: object) -> str:
    return reverse(f"imports:{name}", args=args)


def csv_file(content: str, name: str = "leads.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[object]], name: str = "leads.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload(client, file, kind: str = "leads", **extra):
    return client.post(url("upload"), {"kind": kind, "file": file, **extra})


def draft_of(response) -> str:
    """The draft token from a redirect into the wizard's later steps."""
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"/imports/new/([\w-]+)/", response["Location"]).group(1)


def columns_data(response) -> dict[str, str]:
    """The mapping form's column choices as the page pre-fills them."""
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields if name.startswith("column_")}


def through_mapping(client, file, kind="leads", **changes) -> str:
    """Upload, accept the suggested mapping (with `changes`), and return the draft token."""
    token = draft_of(upload(client, file, kind))
    page = client.get(url("map", token))
    data = {**columns_data(page), **changes}
    response = client.post(url("map", token), data)
    assert response.status_code == 302, _form_errors(response)
    assert response["Location"] == url("preview", token)
    return token


def _form_errors(response) -> str:
    form = response.context and response.context.get("form")
    return str(form.errors) if form else response.content.decode()[:2000]


def import_through_ui(client, file, *, mode="valid_rows", dry_run=False, **changes) -> ImportJob:
    token = through_mapping(client, file, **changes)
    data = {"mode": mode, **({"dry_run": "on"} if dry_run else {})}
    response = client.post(url("run", token), data)
    assert response.status_code == 302, _form_errors(response)
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def finished_job(user, content: str, mapping=MAPPING, **options) -> ImportJob:
    job = import_job_create(
        user=user,
        file=content.encode(),
        filename="leads.csv",
        kind="leads",
        mapping=mapping,
        **options,
    )
    return import_run(job)


# -- step 1: upload ---------------------------------------------------------------------------


def test_the_upload_page_offers_the_kinds_and_saved_mappings(rep):
    ImportMapping.objects.create(name="Fair leads", kind="leads", definition=MAPPING, owner=rep)

    response = client_for(rep).get(url("upload"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Historical deals" in body and "Fair leads" in body
    assert 'enctype="multipart/form-data"' in body


def test_a_csv_upload_leads_to_the_mapping_with_suggested_fields(rep):
    client = client_for(rep)

    response = upload(client, csv_file(LEADS_CSV))

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert columns_data(page) == {
        "column_0": "email",
        "column_1": "full_name",
        "column_2": "company",
        "column_3": "source",
    }
    assert "ada@example.com" in page.content.decode()  # a sample under the column


def test_an_xlsx_file_is_imported_like_a_csv(rep):
    client = client_for(rep)
    rows = [
        ["Email", "First Name", "Last Name", "Lead Source"],
        ["ada@example.com", "Ada", "Lovelace", "referral"],
        ["grace@example.com", "Grace", "Hopper", "seo"],
    ]

    job = import_through_ui(client, xlsx_file(rows))

    assert (job.status, job.created_count) == (ImportStatus.DONE, 2)
    assert set(Lead.objects.values_list("last_name", "source")) == {
        ("Lovelace", "referral"),
        ("Hopper", "seo"),
    }


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            SimpleUploadedFile("report.pdf", b"%PDF-1.4 ...", content_type="application/pdf"),
            "report.pdf is not a CSV or XLSX file",
        ),
        (
            SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png"),
            "photo.csv is not a CSV or XLSX file",
        ),
        (
            SimpleUploadedFile("binary.csv", b"Name\n\x00\x01\x02\x03", content_type="text/csv"),
            "binary.csv is not a CSV or XLSX file",
        ),
        (
            SimpleUploadedFile("fake.xlsx", b"Name\nAda\n", content_type="application/zip"),
            "fake.xlsx is not a CSV or XLSX file",
        ),
        (
            SimpleUploadedFile(
                "old.xls", b"\xd0\xcf\x11\xe0", content_type="application/vnd.ms-excel"
            ),
            "old.xls is an old Excel (.xls) workbook; save it as .xlsx or CSV",
        ),
    ],
    ids=["pdf", "png-named-csv", "binary-csv", "text-named-xlsx", "xls"],
)
def test_a_file_that_is_not_csv_or_xlsx_is_refused_naming_it(rep, file, expected):
    response = upload(client_for(rep), file)

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused_naming_it(rep, settings):
    settings.SALESFLOW_IMPORT_MAX_BYTES = 1024

    response = upload(client_for(rep), csv_file("Email\n" + "a@example.com\n" * 200, "big.csv"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "big.csv is 2.7\xa0KB; files up to 1.0\xa0KB can be imported" in body


def test_a_file_without_a_header_row_is_refused_at_upload(rep):
    response = upload(client_for(rep), csv_file("", "empty.csv"))

    assert "empty.csv is empty" in response.content.decode()


def test_a_saved_mapping_of_the_kind_skips_to_the_preview(rep):
    saved = ImportMapping.objects.create(
        name="Fair leads", kind="leads", definition=MAPPING, owner=rep
    )
    client = client_for(rep)

    response = upload(
        client, csv_file("Email,Name\nada@example.com,Ada Lovelace\n"), saved_mapping=saved.pk
    )

    token = draft_of(response)
    assert response["Location"] == url("preview", token)
    client.post(url("run", token), {"mode": "valid_rows"})
    job = ImportJob.objects.get()
    assert (job.saved_mapping, job.created_count) == (saved, 1)


def test_a_saved_mapping_of_another_kind_is_refused(rep):
    saved = ImportMapping.objects.create(
        name="Old deals", kind="deals", definition={"columns": {"Stage": "stage"}}, owner=rep
    )

    response = upload(client_for(rep), csv_file(LEADS_CSV), saved_mapping=saved.pk)

    assert "Old deals is a mapping for historical deals." in response.content.decode()


# -- step 2: map ------------------------------------------------------------------------------


def test_mapping_errors_are_named(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_file(LEADS_CSV)))

    response = client.post(
        url("map", token),
        {"column_0": "email", "column_1": "email", "column_2": "company", "column_3": ""},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Columns &#x27;E-Mail Address&#x27; and &#x27;Name&#x27; both map to" in body
    assert "Leads need a source" in body


def test_a_bad_stage_line_is_named(admin_user):
    client = client_for(admin_user)
    token = draft_of(upload(client, csv_file("Org,Stage\nAcme,Engaging\n"), kind="deals"))

    response = client.post(
        url("map", token), {"column_0": "account", "column_1": "stage", "stage_values": "Engaging"}
    )

    assert "Line 1: write the stage as the file has it, an equals sign" in response.content.decode()


def test_a_mapping_can_be_saved_by_name_for_the_next_file(rep):
    client = client_for(rep)

    through_mapping(client, csv_file(LEADS_CSV), save_as="Webinar export")

    saved = ImportMapping.objects.get(name="Webinar export")
    assert (saved.kind, saved.created_by) == ("leads", rep)
    assert saved.definition["columns"]["E-Mail Address"] == "email"


def test_only_managers_and_admins_may_create_missing_owners(rep, manager):
    rep_client, manager_client = client_for(rep), client_for(manager)
    rep_page = rep_client.get(url("map", draft_of(upload(rep_client, csv_file(LEADS_CSV)))))
    manager_page = manager_client.get(
        url("map", draft_of(upload(manager_client, csv_file(LEADS_CSV))))
    )

    assert "create_missing" not in rep_page.context["form"].fields
    assert [c for c, _ in manager_page.context["form"].fields["create_missing"].choices] == [
        "owner"
    ]


def test_a_rep_may_give_the_imported_leads_to_a_teammate(rep, teammate, north):
    job = import_through_ui(client_for(rep), csv_file(LEADS_CSV), default_owner=str(teammate.pk))

    assert (job.default_owner, job.created_count) == (teammate, 2)
    assert set(Lead.objects.values_list("owner", "team")) == {(teammate.pk, north.pk)}


def test_a_rep_cannot_give_them_to_another_team(rep, outsider):
    client = client_for(rep)
    token = draft_of(upload(client, csv_file(LEADS_CSV)))
    data = {**columns_data(client.get(url("map", token))), "default_owner": outsider.pk}

    response = client.post(url("map", token), data)

    assert response.status_code == 200
    assert response.context["form"].errors["default_owner"]


def test_historical_deals_use_the_stage_names_and_may_create_accounts(admin_user):
    client = client_for(admin_user)
    content = "Org,Stage,Amount\nAcme,Engaging,1200\nGlobex,Closed Won,500\n"

    token = draft_of(upload(client, csv_file(content, "deals.csv"), kind="deals"))
    response = client.post(
        url("map", token),
        {
            "column_0": "account",
            "column_1": "stage",
            "column_2": "amount",
            "stage_values": "Engaging = Qualification\nClosed Won = Won",
            "create_missing": ["account"],
        },
    )
    assert response.status_code == 302, _form_errors(response)
    client.post(url("run", token), {"mode": "all_or_nothing"})

    job = ImportJob.objects.get()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 2), job.message
    assert set(Deal.objects.values_list("account__name", "stage__name")) == {
        ("Acme", "Qualification"),
        ("Globex", "Won"),
    }
    assert Account.objects.count() == 2


def test_an_unknown_or_expired_draft_goes_back_to_the_upload(rep):
    response = client_for(rep).get(url("map", "gone"))

    assert response.status_code == 302 and response["Location"] == url("upload")


# -- step 3: preview --------------------------------------------------------------------------


def test_the_preview_shows_rows_as_imported_and_marks_cells_with_errors(rep):
    client = client_for(rep)
    content = LEADS_CSV + "not-an-email,Alan Turing,Bletchley,referral\n"
    token = through_mapping(client, csv_file(content))

    response = client.get(url("preview", token))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Lovelace" in body and "Analytical Engines" in body
    assert "1 of these rows has errors" in body
    row = response.context["rows"][2]
    cells = dict(
        zip([field for field, _, _ in response.context["columns"]], row["cells"], strict=True)
    )
    assert row["number"] == 4 and row["action"] == "error"
    assert cells["email"][1] and "email" in cells["email"][1][0].lower()
    assert re.search(r'<td class="alert--danger">[^<]*<strong class="block">', body)
    assert not Lead.objects.exists()  # the preview writes nothing


def test_the_preview_names_a_mapped_column_missing_from_the_file(rep):
    saved = ImportMapping.objects.create(
        name="Other export", kind="leads", definition=MAPPING, owner=rep
    )
    client = client_for(rep)
    token = draft_of(
        upload(client, csv_file("Mail,Name\na@example.com,A B\n"), saved_mapping=saved.pk)
    )

    response = client.get(url("preview", token))

    assert "required column &#x27;Email&#x27; (for email) is missing" in response.content.decode()


# -- step 4: run ------------------------------------------------------------------------------


def test_the_whole_wizard_imports_a_small_csv_at_once(rep, north):
    client = client_for(rep)

    job = import_through_ui(client, csv_file(LEADS_CSV))

    assert (job.status, job.created_count, job.created_by) == (ImportStatus.DONE, 2, rep)
    lead = Lead.objects.get(email="ada@example.com")
    assert (lead.first_name, lead.company, lead.owner, lead.team) == (
        "Ada",
        "Analytical Engines",
        rep,
        north,
    )
    page = client.get(url("job-detail", job.pk))
    body = page.content.decode()
    assert "Created 2, updated 0, unchanged 0" in body
    assert 'hx-trigger="every 2s"' not in body  # finished: no polling


def test_all_or_nothing_with_a_bad_row_writes_nothing(rep):
    content = LEADS_CSV + "not-an-email,Alan Turing,Bletchley,referral\n"

    job = import_through_ui(client_for(rep), csv_file(content), mode="all_or_nothing")

    assert job.status == ImportStatus.FAILED
    assert (job.created_count, job.error_count) == (0, 1)
    assert not Lead.objects.exists()
    assert "nothing was written (all or nothing)" in job.message


def test_valid_rows_mode_writes_the_good_rows_and_lists_the_bad_ones(rep):
    content = LEADS_CSV + "not-an-email,Alan Turing,Bletchley,referral\n"
    client = client_for(rep)

    job = import_through_ui(client, csv_file(content), mode="valid_rows")

    assert (job.status, job.created_count, job.error_count) == (ImportStatus.DONE, 2, 1)
    assert set(Lead.objects.values_list("email", flat=True)) == {
        "ada@example.com",
        "grace@example.com",
    }
    body = client.get(url("job-detail", job.pk)).content.decode()
    assert "not-an-email" in body and url("job-errors", job.pk) in body


def test_a_dry_run_writes_nothing_and_can_then_run_for_real(rep):
    client = client_for(rep)

    dry = import_through_ui(client, csv_file(LEADS_CSV), dry_run=True)

    assert (dry.status, dry.created_count, dry.is_dry_run) == (ImportStatus.DONE, 2, True)
    assert not Lead.objects.exists()
    assert "Import this file for real" in client.get(url("job-detail", dry.pk)).content.decode()
    response = client.post(url("job-run-for-real", dry.pk), {"mode": "all_or_nothing"})
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == url("job-detail", real.pk)
    assert (real.mode, real.is_dry_run, real.created_count) == ("all_or_nothing", False, 2)
    assert Lead.objects.count() == 2


def test_only_a_finished_dry_run_can_be_run_for_real(rep):
    job = finished_job(rep, "Email,Name\nada@example.com,Ada L\n")

    response = client_for(rep).post(url("job-run-for-real", job.pk), {"mode": "valid_rows"})

    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


def test_a_big_file_goes_to_the_worker_and_its_page_polls(rep, monkeypatch):
    monkeypatch.setattr(views, "INLINE_MAX_ROWS", 2)
    client = client_for(rep)

    job = import_through_ui(client, csv_file(LEADS_CSV))

    assert job.status == ImportStatus.PENDING and not Lead.objects.exists()
    page = client.get(url("job-detail", job.pk))
    body = page.content.decode()
    assert 'hx-trigger="every 2s"' in body and "Refresh</a>" in body
    assert "background worker" in body
    poll = client.get(url("job-detail", job.pk), **HTMX)
    assert poll.content.decode().lstrip().startswith('<section id="job-status"')
    import_run(job)  # what `salesflow worker` does
    done = client.get(url("job-detail", job.pk), **HTMX).content.decode()
    assert "every 2s" not in done and "Created 2" in done


def test_the_draft_is_gone_once_the_import_started(rep):
    client = client_for(rep)
    token = through_mapping(client, csv_file(LEADS_CSV))
    client.post(url("run", token), {"mode": "valid_rows"})

    response = client.get(url("preview", token))

    assert response["Location"] == url("upload")


# -- jobs -------------------------------------------------------------------------------------


def test_the_errors_csv_neutralises_formulas(rep):
    job = finished_job(rep, 'Email,Name\n"=HYPERLINK(""http://x"")",Evil Row\n')

    response = client_for(rep).get(url("job-errors", job.pk))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "message"]
    assert rows[1][:3] == ["2", "Email", '\'=HYPERLINK("http://x")']


def test_someone_elses_job_is_not_found(rep, outsider, teammate):
    job = finished_job(rep, "Email,Name\nbad,Ada L\n", dry_run=True)

    for user in (outsider, teammate):
        client = client_for(user)
        assert client.get(url("job-detail", job.pk)).status_code == 404
        assert client.get(url("job-errors", job.pk)).status_code == 404
        assert (
            client.post(url("job-run-for-real", job.pk), {"mode": "valid_rows"}).status_code == 404
        )


def test_the_job_list_shows_own_jobs_and_admins_see_all(rep, teammate, admin_user):
    mine = finished_job(rep, "Email,Name\nada@example.com,Ada L\n")
    theirs = import_job_create(
        user=teammate, file=b"Email\nb@example.com\n", filename="theirs.csv", kind="leads",
        mapping=MAPPING,
    )  # fmt: skip

    own = client_for(rep).get(url("job-list"))
    every = client_for(admin_user).get(url("job-list"))

    assert list(own.context["page_obj"]) == [mine]
    assert set(every.context["page_obj"]) == {mine, theirs}
    assert "theirs.csv" not in own.content.decode()


def test_the_nav_links_to_the_import_wizard(rep):
    body = client_for(rep).get(url("job-list")).content.decode()

    assert f'href="{url("upload")}" aria-current="page">Import</a>' in body


# -- custom fields ----------------------------------------------------------------------------

VISITS_CSV = "Email,Total Visits\nada@example.com,7\ngrace@example.com,2\n"
VISITS_FIELD = {"key": "total_visits", "label": "Total visits", "type": "number"}
WITH_SECTION = {
    "kind": "leads",
    "columns": {"Email": "email", "Total Visits": "custom.total_visits"},
    "defaults": {"source": "other"},
    "custom_fields": [VISITS_FIELD],
}


def test_the_mapping_step_offers_the_kinds_custom_fields_as_targets(rep, admin_user):
    custom_field_create(acting_user=admin_user, kind="lead", **VISITS_FIELD)
    custom_field_create(
        acting_user=admin_user, kind="account", key="arr", label="ARR", type="decimal"
    )
    client = client_for(rep)
    token = draft_of(upload(client, csv_file(VISITS_CSV)))

    page = client.get(url("map", token))

    body = page.content.decode()
    assert '<option value="custom.total_visits" selected>Custom: Total visits</option>' in body
    assert "Custom: ARR" not in body  # an account field
    client.post(url("map", token), {**columns_data(page), "default_source": "other"})
    preview = client.get(url("preview", token))
    assert ("custom.total_visits", "Custom: Total visits", "Total Visits") in (
        preview.context["columns"]
    )
    client.post(url("run", token), {"mode": "valid_rows"})
    assert Lead.objects.get(email="ada@example.com").custom == {"total_visits": 7}


def test_a_rep_is_shown_the_fields_a_mapping_would_create_and_cannot_start_it(rep):
    saved = ImportMapping.objects.create(
        name="Visits", kind="leads", definition=WITH_SECTION, owner=rep
    )
    client = client_for(rep)
    token = draft_of(upload(client, csv_file(VISITS_CSV), saved_mapping=saved.pk))

    preview = client.get(url("preview", token)).content.decode()
    response = client.post(url("run", token), {"mode": "valid_rows"})

    assert "creates the lead custom field Total visits (total_visits, whole number) when" in preview
    assert "Only an admin can run it" in preview
    assert response.status_code == 200
    assert "only an admin can create it. Ask an admin to run this import" in (
        response.content.decode()
    )
    assert not ImportJob.objects.exists()
    assert not CustomField.objects.exists()
    assert not Lead.objects.exists()


def test_an_admin_starting_the_same_import_creates_the_field_first(admin_user):
    saved = ImportMapping.objects.create(
        name="Visits", kind="leads", definition=WITH_SECTION, owner=admin_user
    )
    client = client_for(admin_user)
    token = draft_of(upload(client, csv_file(VISITS_CSV), saved_mapping=saved.pk))

    map_page = client.get(url("map", token)).content.decode()
    client.post(url("run", token), {"mode": "valid_rows"})

    assert "Custom: Total visits (created by this import)" in map_page
    job = ImportJob.objects.get()
    assert "Created the lead custom field Total visits" in job.message
    assert CustomField.objects.get().key == "total_visits"
    assert Lead.objects.get(email="grace@example.com").custom == {"total_visits": 2}


def test_the_wizard_takes_stage_dates_and_names_a_column_the_file_lacks(admin_user):
    client = client_for(admin_user)
    content = "Org,Stage,Created,Engaged\nAcme,Needs assessment,2026-01-05,2026-02-10\n"
    token = draft_of(upload(client, csv_file(content, "deals.csv"), kind="deals"))
    columns = {"column_0": "account", "column_1": "stage", "column_2": "created_at",
               "create_missing": ["account"], "date_format": "Y-m-d"}  # fmt: skip

    refused = client.post(url("map", token), {**columns, "stage_dates": "Needs assessment = Won"})
    assert "the file has no column “Won”" in refused.content.decode()

    response = client.post(
        url("map", token), {**columns, "stage_dates": "Needs assessment = Engaged"}
    )
    assert response.status_code == 302, _form_errors(response)
    client.post(url("run", token), {"mode": "all_or_nothing"})
    deal = Deal.objects.get()
    entered = deal.stage_changes.get(to_stage__name="Needs assessment")
    assert (entered.changed_at.date().isoformat(), entered.is_estimated) == ("2026-02-10", False)
