"""Presets through the wizard, the CLI (`--preset`) and the API (`preset=`, GET /presets)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from conftest import client_for
from salesflow.api.tests.conftest import BASE, ApiClient, invalid_fields
from salesflow.imports.models import ImportJob
from salesflow.imports.tests.test_presets import PIPEDRIVE_DEALS, write_csv
from salesflow.imports.tests.test_views import columns_data, draft_of, upload, url
from salesflow.pipeline.models import Deal

pytestmark = pytest.mark.django_db

PIPEDRIVE_CSV = (
    ",".join(PIPEDRIVE_DEALS) + "\n"
    "11,Acme deal,7000,EUR,Pipeline,Proposal Made,open,rep,Acme Corp,2024-03-01 10:00:00,"
    "2030-05-31,,,\n"
    "12,Globex deal,15000,USD,Pipeline,Negotiations Started,won,rep,Globex,"
    "2024-01-10 09:00:00,2024-03-31,2024-03-28 16:00:00,,\n"
)


def csv_upload(content: str = PIPEDRIVE_CSV, name: str = "deals-export.csv"):
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def form_data(page) -> dict:
    """What the browser posts back: every field of the mapping form as the page fills it."""
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {name: value for name, value in data.items() if value not in (None, "")}


# -- the wizard ----------------------------------------------------------------------------


def test_the_wizard_proposes_the_recognised_preset_and_prefills_the_mapping(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_upload(), kind="deals"))

    page = client.get(url("map", token))

    body = page.content.decode()
    assert "This looks like a <strong>Pipedrive deals</strong> export" in body
    columns = columns_data(page)
    assert columns["column_5"] == "stage"  # Deal - Stage
    assert columns["column_6"] == "outcome"  # Deal - Status
    assert columns["column_11"] == ""  # Deal - Won time: read as a stage date, not a column
    assert page.context["chooser"]["preset"].value() == "pipedrive_deals"


def test_a_pipedrive_export_imports_through_the_wizard_with_the_proposed_preset(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_upload(), kind="deals"))
    page = client.get(url("map", token))

    response = client.post(url("map", token), form_data(page))
    assert response["Location"] == url("preview", token)
    response = client.post(url("run", token), {"mode": "valid_rows"})

    job = ImportJob.objects.get()
    assert (job.status, job.created_count, job.error_count) == ("done", 2, 0)
    globex = Deal.objects.get(external_id="12")
    assert (globex.stage.name, globex.outcome, globex.currency) == ("Won", "won", "USD")
    assert globex.account.name == "Globex"


def test_the_user_can_choose_no_preset_and_gets_the_guess_from_the_column_names(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_upload(), kind="deals"))

    response = client.post(url("map", token), {"choose_preset": "1", "preset": ""})

    assert response["Location"] == url("map", token)
    page = client.get(url("map", token))
    assert "This looks like a <strong>Pipedrive deals</strong> export: use the" in (
        page.content.decode()
    )
    assert "values" not in page.context["form"].base  # the guess has no value tables
    assert page.context["chooser"]["preset"].value() == ""


def test_the_user_can_choose_another_preset(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_upload(), kind="deals"))

    client.post(url("map", token), {"choose_preset": "1", "preset": "hubspot_deals"})

    page = client.get(url("map", token))
    body = page.content.decode()
    assert "start from the <strong>HubSpot deals</strong> preset" in body
    assert "The file looks like a Pipedrive deals export." in body
    assert set(columns_data(page).values()) == {""}  # none of HubSpot's columns are in the file


def test_an_unknown_preset_chosen_in_the_wizard_is_refused(rep):
    client = client_for(rep)
    token = draft_of(upload(client, csv_upload(), kind="deals"))

    page = client.post(url("map", token), {"choose_preset": "1", "preset": "zoho_deals"})

    assert page.status_code == 200
    assert "zoho_deals is not one of the available choices" in page.content.decode()


def test_a_file_like_no_export_gets_no_proposal(rep):
    client = client_for(rep)
    content = "Title,Stage,Value\nAcme,Qualification,10\n"
    token = draft_of(upload(client, csv_upload(content), kind="deals"))

    page = client.get(url("map", token))

    assert "This looks like" not in page.content.decode()
    assert page.context["chooser"]["preset"].value() == ""


# -- the command ---------------------------------------------------------------------------


def test_the_command_imports_with_a_preset(admin_user, rep, tmp_path, capsys):
    path = tmp_path / "deals-export.csv"
    path.write_text(PIPEDRIVE_CSV)

    call_command("import", "deals", str(path), "--preset", "pipedrive_deals")

    assert "Created 2" in capsys.readouterr().out
    assert Deal.objects.get(external_id="11").stage.name == "Proposal and objections"


def test_the_command_refuses_an_unknown_preset_naming_it_and_the_presets(admin_user, tmp_path):
    path = write_csv(tmp_path / "deals.csv", PIPEDRIVE_DEALS, [])

    with pytest.raises(CommandError) as refused:
        call_command("import", "deals", str(path), "--preset", "pipedrive_dealz")

    assert "--preset: there is no deals preset 'pipedrive_dealz'" in str(refused.value)
    assert "pipedrive_deals" in str(refused.value)


def test_the_command_wants_a_mapping_or_a_preset_not_both(admin_user, tmp_path):
    path = write_csv(tmp_path / "deals.csv", PIPEDRIVE_DEALS, [])

    for extra in ([], ["--mapping", "x.json", "--preset", "pipedrive_deals"]):
        with pytest.raises(CommandError, match="Give either --mapping or --preset"):
            call_command("import", "deals", str(path), *extra)


# -- the API -------------------------------------------------------------------------------


@pytest.fixture
def api_as(db):
    return ApiClient


def post_import(api, **fields):
    data = {"kind": "deals", "file": csv_upload(), **fields}
    return api.client.post(BASE + "/imports", data, headers=api.headers)


def test_the_api_lists_the_presets_of_a_kind(api_as, rep):
    response = api_as(rep).get("/imports/presets", {"kind": "deals"})

    assert response.status_code == 200
    presets = {p["name"]: p for p in response.json()}
    assert set(presets) == {"salesforce_opportunities", "hubspot_deals", "pipedrive_deals"}
    assert presets["hubspot_deals"]["label"] == "HubSpot deals"
    assert "Deal Stage" in presets["hubspot_deals"]["columns"]


def test_the_api_imports_with_a_named_preset(api_as, rep):
    response = post_import(api_as(rep), preset="pipedrive_deals")

    assert response.status_code == 201, response.content
    assert response.json()["counts"]["created"] == 2
    assert Deal.objects.get(external_id="12").outcome == "won"


def test_the_api_refuses_an_unknown_preset_naming_it(api_as, rep):
    response = post_import(api_as(rep), preset="zoho_deals")

    assert invalid_fields(response) == {"preset"}
    assert "There is no preset 'zoho_deals'" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_api_refuses_a_preset_with_a_mapping(api_as, rep):
    response = post_import(api_as(rep), preset="pipedrive_deals", mapping="{}")

    assert invalid_fields(response) == {"mapping_id"}


def test_the_presets_need_a_signed_in_client(client):
    assert client.get(BASE + "/imports/presets").status_code == 401
