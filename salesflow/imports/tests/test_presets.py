"""The shipped presets for Salesforce, HubSpot and Pipedrive exports (docs/mappings): each one
imports a small file with the export's own header through the real importer, and the wizard's
recognition picks the right one from a header."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.customers.models import Account, Contact
from salesflow.imports.mapping import mapping_check
from salesflow.imports.presets import (
    preset_for_header,
    preset_get,
    preset_mapping,
    presets_list,
)
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal, Outcome
from tests.factories import UserFactory

NEW_PRESETS = {
    "salesforce_leads": "leads",
    "salesforce_accounts": "accounts",
    "salesforce_contacts": "contacts",
    "salesforce_opportunities": "deals",
    "hubspot_contacts": "contacts",
    "hubspot_companies": "accounts",
    "hubspot_deals": "deals",
    "pipedrive_persons": "contacts",
    "pipedrive_organizations": "accounts",
    "pipedrive_deals": "deals",
}
SF_OPPORTUNITIES = [
    "Id", "Name", "AccountId", "StageName", "Amount", "CloseDate", "OwnerId", "LeadSource",
    "CreatedDate", "IsWon", "IsClosed",
]  # fmt: skip
HUBSPOT_DEALS = [
    "Record ID", "Deal Name", "Pipeline", "Deal Stage", "Amount", "Close Date", "Create Date",
    "Deal owner", "Associated Company", "Closed Lost Reason",
]  # fmt: skip
PIPEDRIVE_DEALS = [
    "Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Pipeline",
    "Deal - Stage", "Deal - Status", "Deal - Owner", "Deal - Organization",
    "Deal - Deal created", "Deal - Expected close date", "Deal - Won time", "Deal - Lost time",
    "Deal - Lost reason",
]  # fmt: skip
# Salesforce names owners by user id; a migration adds a line per user.
SF_OWNERS = {"0055g00000REP0001": "rep", "0055g00000MGR0001": "manager"}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_with_preset(user, path: Path, name: str, **extra_values):
    """Import the file with the named preset fitted to its header, as the wizard, the CLI and
    the API do; `extra_values` add value tables (Salesforce owner ids)."""
    header = next(csv.reader(path.open(encoding="utf-8")))
    preset = preset_get(name)
    mapping = preset_mapping(preset, header)
    for target, table in extra_values.items():
        mapping["values"] = {**mapping.get("values", {}), target: table}
    return run_import(
        user, path.read_bytes(), kind=preset.kind, mapping=mapping, filename=path.name
    )


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def path_of(deal: Deal) -> list[str]:
    return [c.to_stage.name for c in deal.stage_changes.order_by("changed_at", "pk")]


@pytest.fixture
def jane(north):
    return UserFactory(username="jdoe", first_name="Jane", last_name="Doe", team=north)


@pytest.fixture
def omar(north):
    return UserFactory(username="okhan", first_name="Omar", last_name="Khan", team=north)


# -- the presets themselves --------------------------------------------------------------------


@pytest.mark.django_db
def test_every_shipped_preset_is_a_valid_mapping_whole_and_fitted_to_its_columns():
    presets = {preset.name: preset for preset in presets_list()}

    assert {name: presets[name].kind for name in NEW_PRESETS} == NEW_PRESETS
    for preset in presets.values():
        assert preset.label and preset.description, preset.name
        mapping_check(preset.mapping, preset.kind)
        mapping_check(preset_mapping(preset, preset.source_columns), preset.kind)


def test_an_unknown_preset_name_is_refused_naming_it_and_the_presets_there_are():
    with pytest.raises(ValidationError) as refused:
        preset_get("salesforce_oportunities", kind="deals")

    message = refused.value.message_dict["preset"][0]
    assert "There is no preset 'salesforce_oportunities'" in message
    assert "salesforce_opportunities" in message and "hubspot_deals" in message


def test_a_preset_of_another_kind_is_refused_naming_both_kinds():
    with pytest.raises(ValidationError) as refused:
        preset_get("hubspot_deals", kind="contacts")

    assert refused.value.message_dict["preset"] == [
        "The preset 'hubspot_deals' is for deals, not contacts."
    ]


# -- recognition ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "header", "expected"),
    [
        ("deals", SF_OPPORTUNITIES, "salesforce_opportunities"),
        ("deals", HUBSPOT_DEALS, "hubspot_deals"),
        ("deals", PIPEDRIVE_DEALS, "pipedrive_deals"),
        ("contacts", ["Record ID", "First Name", "Last Name", "Email", "Contact owner"],
         "hubspot_contacts"),
        ("contacts", ["Id", "AccountId", "FirstName", "LastName", "Email", "OwnerId"],
         "salesforce_contacts"),
        ("contacts", ["Person - Name", "Person - Email", "Person - Organization"],
         "pipedrive_persons"),
        ("accounts", ["Record ID", "Company name", "Industry", "Company owner", "Create Date"],
         "hubspot_companies"),
        ("accounts", ["Organization - Name", "Organization - Owner", "Organization - Address"],
         "pipedrive_organizations"),
        ("leads", ["Id", "FirstName", "LastName", "Company", "Status", "LeadSource", "OwnerId"],
         "salesforce_leads"),
    ],
)  # fmt: skip
def test_an_export_is_recognised_from_its_header(kind, header, expected):
    assert preset_for_header(kind, header).name == expected


def test_a_header_is_recognised_whatever_its_capitals_and_spacing():
    header = [" deal  name", "DEAL STAGE", "pipeline", "Amount", "close date"]

    assert preset_for_header("deals", header).name == "hubspot_deals"


def test_a_file_sharing_a_few_generic_columns_with_a_preset_gets_no_proposal():
    # Id, Name and Amount are Salesforce columns too, but far from its export.
    assert preset_for_header("deals", ["Id", "Name", "Amount", "Stage", "Owner"]) is None
    assert preset_for_header("leads", ["Email", "Name", "Company"]) is None


def test_two_columns_of_a_preset_are_not_enough_even_when_they_are_all_the_file_has():
    assert preset_for_header("contacts", ["Person - Name", "Person - Email"]) is None
    assert preset_for_header("contacts", ["Person - Name", "Person - Email", "Person - Phone"])


def test_two_columns_are_not_enough_even_as_half_of_a_small_preset(settings, tmp_path):
    settings.SALESFLOW_IMPORT_PRESETS_DIR = tmp_path
    (tmp_path / "tiny.json").write_text(
        '{"kind": "deals", "columns": {"A": "name", "B": "stage", "C": "amount", "D": "owner"}}'
    )

    assert preset_for_header("deals", ["A", "B", "X"]) is None
    assert preset_for_header("deals", ["A", "B", "C"]).name == "tiny"


def test_a_quarter_of_a_presets_columns_is_needed():
    # 4 of the 17 columns of the Pipedrive deals preset; 5 are enough.
    header = ["Deal - Title", "Deal - Stage", "Deal - Status", "Deal - Value"]
    assert preset_for_header("deals", header) is None
    assert preset_for_header("deals", [*header, "Deal - Owner"]).name == "pipedrive_deals"


def test_the_export_of_another_kind_is_not_proposed_for_this_kind():
    assert preset_for_header("contacts", SF_OPPORTUNITIES) is None


@pytest.mark.django_db
def test_a_lead_export_with_few_columns_is_proposed_as_leads_and_not_as_contacts():
    # Nine of these eleven are columns of the Salesforce contacts preset too, three quarters
    # of it (against 11 of the 16 of the leads preset); but Company and Status are not
    # contact columns, so the file is closer to the leads preset.
    header = [
        "Id", "FirstName", "LastName", "Title", "Email", "Phone", "Company", "Status",
        "OwnerId", "CreatedDate", "Description",
    ]  # fmt: skip

    assert preset_for_header("leads", header).name == "salesforce_leads"
    assert preset_for_header("contacts", header) is None


def test_the_closest_preset_wins_and_ties_go_by_name(settings, tmp_path):
    settings.SALESFLOW_IMPORT_PRESETS_DIR = tmp_path
    small = '{"kind": "deals", "columns": {"A": "name", "B": "stage", "C": "amount"}}'
    big = (
        '{"kind": "deals", "columns": {"A": "name", "B": "stage", "C": "amount", "D": "owner",'
        ' "E": "currency"}}'
    )
    (tmp_path / "b_small.json").write_text(small)
    (tmp_path / "a_big.json").write_text(big)
    (tmp_path / "c_small_twin.json").write_text(small)

    assert preset_for_header("deals", ["A", "B", "C", "D", "E"]).name == "a_big"
    # Equal shares and counts: the first name in alphabetical order, every time.
    assert preset_for_header("deals", ["A", "B", "C"]).name == "b_small"


# -- fitting a preset to the file --------------------------------------------------------------


def test_columns_the_export_leaves_out_are_left_out_of_the_mapping():
    preset = preset_get("hubspot_deals")
    header = ["Record ID", "Deal Name", "Deal Stage", "Amount"]

    mapping = preset_mapping(preset, header)

    assert mapping["columns"] == {
        "Record ID": "external_id",
        "Deal Name": "name",
        "Deal Stage": "stage",
        "Amount": "amount",
    }
    assert set(mapping["values"]) == {"stage"}  # no pipeline or lost reason column
    assert mapping["stage_dates"] == {}
    assert preset.mapping["columns"]["Pipeline"] == "pipeline"  # the preset is not changed


@pytest.mark.django_db
def test_a_template_or_range_over_a_column_the_export_lacks_is_left_out():
    header = ["Id", "FirstName", "LastName", "Company", "LeadSource"]

    mapping = preset_mapping(preset_get("salesforce_leads"), header)

    assert mapping["templates"] == {"source_detail": "{LeadSource}"}
    assert "size_band" not in mapping["ranges"]
    mapping_check(mapping, "leads")


@pytest.mark.django_db
def test_a_deals_export_without_its_stage_column_is_refused_naming_the_stage(admin_user, tmp_path):
    path = write_csv(
        tmp_path / "deals.csv", ["Record ID", "Deal Name", "Amount"], [["1", "A", "5"]]
    )

    with pytest.raises(ValidationError) as refused:
        import_with_preset(admin_user, path, "hubspot_deals")

    assert "Deals need a column mapped to 'stage'." in refused.value.messages


# -- Salesforce ----------------------------------------------------------------------------


def test_salesforce_opportunities_come_in_with_stage_outcome_owner_dates_and_amount(
    manager, rep, tmp_path
):
    path = write_csv(
        tmp_path / "Opportunity.csv",
        SF_OPPORTUNITIES,
        [
            ["0065g00000OPP0001", "Acme renewal", "0015g00000ACC0001", "Negotiation/Review",
             "12000.5", "2030-06-30", "0055g00000REP0001", "Web", "2024-01-10T09:00:00.000Z",
             "false", "false"],
            ["0065g00000OPP0002", "Globex expansion", "0015g00000ACC0002", "Closed Won", "50000",
             "2024-03-15", "0055g00000MGR0001", "Partner Referral", "2024-01-05T10:00:00.000Z",
             "true", "true"],
            ["0065g00000OPP0003", "Initech pilot", "", "Closed Lost", "8000", "2024-02-20",
             "0055g00000REP0001", "", "2024-02-01T08:30:00.000Z", "false", "true"],
            ["0065g00000OPP0004", "Umbrella audit", "", "Id. Decision Makers", "3000",
             "2030-01-31", "0055g00000REP0001", "", "2024-04-01T08:30:00.000Z", "false",
             "false"],
        ],
    )  # fmt: skip

    job = import_with_preset(manager, path, "salesforce_opportunities", owner=SF_OWNERS)

    assert errors_of(job) == []
    assert job.created_count == 4
    deals = {d.external_id: d for d in Deal.objects.select_related("stage", "owner")}
    acme, globex, initech, umbrella = (deals[f"0065g00000OPP000{n}"] for n in range(1, 5))
    assert (acme.name, acme.stage.name, acme.outcome) == ("Acme renewal", "Closing", "open")
    assert acme.amount == Decimal("12000.50")
    assert acme.expected_close_on == dt.date(2030, 6, 30)
    assert acme.closed_at is None
    assert local_day(acme.created_at) == dt.date(2024, 1, 10)
    assert (globex.stage.name, globex.outcome, globex.owner.username) == ("Won", "won", "manager")
    assert local_day(globex.closed_at) == dt.date(2024, 3, 15)
    assert (initech.stage.name, initech.outcome, initech.owner.username) == ("Lost", "lost", "rep")
    assert local_day(initech.closed_at) == dt.date(2024, 2, 20)
    assert initech.lost_reason.name == "Other"
    assert umbrella.stage.name == "Presentation / demo"
    assert acme.account is None  # AccountId is a Salesforce id, not a name


def test_salesforce_owner_ids_without_a_users_table_are_errors_naming_the_id(manager, tmp_path):
    path = write_csv(
        tmp_path / "Opportunity.csv",
        SF_OPPORTUNITIES,
        [["0065g00000OPP0001", "Acme", "", "Prospecting", "10", "2030-01-01",
          "0055g00000REP0001", "", "2024-01-10T09:00:00.000Z", "false", "false"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "salesforce_opportunities")

    [(row, column, message)] = errors_of(job)
    assert (row, column) == (2, "OwnerId")
    assert "No user '0055g00000REP0001'" in message
    assert not Deal.objects.exists()


def test_salesforce_leads_come_in_with_source_status_size_owner_and_date(manager, rep, tmp_path):
    path = write_csv(
        tmp_path / "Lead.csv",
        ["Id", "FirstName", "LastName", "Company", "Title", "Email", "Phone", "Industry",
         "Country", "NumberOfEmployees", "LeadSource", "Status", "OwnerId", "CreatedDate"],
        [
            ["00Q5g00000LEAD001", "Ada", "Lovelace", "Analytical Engines", "CTO",
             "ada@example.com", "", "Computing", "United Kingdom", "120", "Web",
             "Working - Contacted", "0055g00000REP0001", "2024-05-02T14:00:00.000Z"],
            ["00Q5g00000LEAD002", "Alan", "Turing", "Bletchley", "", "alan@example.com", "",
             "", "", "4", "Trade Show", "Closed - Converted", "0055g00000MGR0001",
             "2024-05-03T14:00:00.000Z"],
        ],
    )  # fmt: skip

    job = import_with_preset(manager, path, "salesforce_leads", owner=SF_OWNERS)

    assert errors_of(job) == []
    ada = Lead.objects.get(external_id="00Q5g00000LEAD001")
    assert (ada.first_name, ada.company, ada.title, ada.region) == (
        "Ada", "Analytical Engines", "CTO", "United Kingdom"
    )  # fmt: skip
    assert (ada.source, ada.source_detail, ada.status) == ("seo", "Web", "working")
    assert (ada.size_band, ada.owner.username) == ("51-200", "rep")
    assert local_day(ada.created_at) == dt.date(2024, 5, 2)
    alan = Lead.objects.get(external_id="00Q5g00000LEAD002")
    assert (alan.source, alan.status, alan.size_band) == ("exhibition", "qualified", "1-10")
    assert alan.owner.username == "manager"

    again = import_with_preset(manager, path, "salesforce_leads", owner=SF_OWNERS)
    assert (again.created_count, again.unchanged_count) == (0, 2)


def test_salesforce_accounts_come_in_with_size_revenue_country_and_owner(manager, tmp_path):
    path = write_csv(
        tmp_path / "Account.csv",
        ["Id", "Name", "Type", "ParentId", "Industry", "NumberOfEmployees", "AnnualRevenue",
         "Website", "BillingCountry", "YearStarted", "OwnerId", "CreatedDate"],
        [["0015g00000ACC0001", "Acme Corp", "Customer - Direct", "", "Manufacturing", "2500",
          "125000000", "www.acme.example", "United States", "1947", "0055g00000MGR0001",
          "2023-11-20T09:00:00.000Z"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "salesforce_accounts", owner=SF_OWNERS)

    assert errors_of(job) == []
    acme = Account.objects.get(name="Acme Corp")
    assert (acme.industry, acme.employee_count, acme.size_band) == ("Manufacturing", 2500, "1000+")
    assert acme.annual_revenue == Decimal("125000000")
    assert (acme.website, acme.region, acme.founded_year) == (
        "https://www.acme.example", "United States", 1947
    )  # fmt: skip
    assert acme.owner.username == "manager"
    assert local_day(acme.created_at) == dt.date(2023, 11, 20)


def test_salesforce_contacts_come_in_with_position_owner_and_do_not_call(manager, rep, tmp_path):
    path = write_csv(
        tmp_path / "Contact.csv",
        ["Id", "AccountId", "FirstName", "LastName", "Title", "Email", "Phone", "DoNotCall",
         "OwnerId", "CreatedDate"],
        [["0035g00000CON0001", "0015g00000ACC0001", "Grace", "Hopper", "Rear Admiral",
          "grace@example.com", "", "true", "0055g00000REP0001", "2023-12-01T09:00:00.000Z"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "salesforce_contacts", owner=SF_OWNERS)

    assert errors_of(job) == []
    grace = Contact.objects.get(email="grace@example.com")
    assert (grace.first_name, grace.last_name, grace.position) == (
        "Grace",
        "Hopper",
        "Rear Admiral",
    )
    assert (grace.do_not_contact, grace.owner.username, grace.account) == (True, "rep", None)


# -- HubSpot -------------------------------------------------------------------------------


def test_hubspot_deals_come_in_with_pipeline_stage_owner_company_and_dates(
    manager, jane, omar, tmp_path
):
    path = write_csv(
        tmp_path / "hubspot-crm-exports-all-deals.csv",
        HUBSPOT_DEALS,
        [
            ["9001", "Acme - new logo", "Sales Pipeline", "Contract Sent", "24000",
             "2030-09-30 00:00", "2024-02-01 10:15", "Jane Doe", "Acme Corp", ""],
            ["9002", "Globex - upsell", "Sales Pipeline", "Closed Won", "5000",
             "2024-04-30 00:00", "2024-03-01 09:00", "Omar Khan", "Globex", ""],
            ["9003", "Initech - pilot", "Sales Pipeline", "closedlost", "900",
             "2024-04-12 00:00", "2024-03-20 11:00", "Jane Doe", "", "Went with a cheaper tool"],
            ["9004", "Hooli - trial", "Sales Pipeline", "qualifiedtobuy", "1500",
             "2030-01-15 00:00", "2024-05-02 16:45", "Omar Khan", "Hooli", ""],
        ],
    )  # fmt: skip

    job = import_with_preset(manager, path, "hubspot_deals")

    assert errors_of(job) == []
    deals = {d.external_id: d for d in Deal.objects.select_related("stage", "owner", "account")}
    acme, globex, initech, hooli = (deals[str(n)] for n in (9001, 9002, 9003, 9004))
    assert (acme.stage.name, acme.outcome, acme.owner.username) == ("Closing", "open", "jdoe")
    assert acme.pipeline.is_default and acme.account.name == "Acme Corp"
    assert acme.expected_close_on == dt.date(2030, 9, 30)
    assert local_day(acme.created_at) == dt.date(2024, 2, 1)
    assert (globex.stage.name, globex.outcome, globex.owner.username) == ("Won", "won", "okhan")
    assert local_day(globex.closed_at) == dt.date(2024, 4, 30)
    assert globex.amount == Decimal("5000")
    assert (initech.outcome, initech.lost_reason.name, initech.account) == ("lost", "Other", None)
    assert local_day(initech.closed_at) == dt.date(2024, 4, 12)
    assert hooli.stage.name == "Needs assessment"
    assert path_of(hooli) == ["Prospecting", "Qualification", "Needs assessment"]


def test_a_hubspot_pipeline_salesflow_does_not_have_is_an_error_naming_it(manager, tmp_path):
    path = write_csv(
        tmp_path / "deals.csv",
        HUBSPOT_DEALS,
        [["9100", "Renewal", "Renewals", "Contract Sent", "10", "2030-01-01 00:00",
          "2024-02-01 10:15", "", "", ""]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "hubspot_deals")

    [(row, column, message)] = errors_of(job)
    assert (row, column) == (2, "Pipeline")
    assert "Unknown pipeline 'Renewals'" in message


def test_hubspot_contacts_come_in_with_their_company_and_owner(manager, jane, tmp_path):
    path = write_csv(
        tmp_path / "hubspot-crm-exports-all-contacts.csv",
        ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title",
         "Company Name", "Contact owner", "Lifecycle Stage", "Create Date"],
        [["501", "Katherine", "Johnson", "katherine@example.com", "", "Mathematician",
          "NASA Langley", "Jane Doe", "Customer", "2024-01-15 08:00"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "hubspot_contacts")

    assert errors_of(job) == []
    katherine = Contact.objects.select_related("account", "owner").get()
    assert (katherine.first_name, katherine.last_name, katherine.position) == (
        "Katherine", "Johnson", "Mathematician"
    )  # fmt: skip
    assert (katherine.account.name, katherine.owner.username) == ("NASA Langley", "jdoe")
    assert local_day(katherine.created_at) == dt.date(2024, 1, 15)


def test_hubspot_companies_come_in_with_domain_size_and_country(manager, omar, tmp_path):
    path = write_csv(
        tmp_path / "hubspot-crm-exports-all-companies.csv",
        ["Record ID", "Company name", "Company Domain Name", "Industry", "Number of Employees",
         "Annual Revenue", "Country/Region", "Company owner", "Create Date"],
        [["701", "Globex", "globex.example", "Computer Software", "45", "3200000", "Germany",
          "Omar Khan", "2023-09-01 12:00"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "hubspot_companies")

    assert errors_of(job) == []
    globex = Account.objects.get(name="Globex")
    assert (globex.website, globex.industry, globex.region) == (
        "https://globex.example", "Computer Software", "Germany"
    )  # fmt: skip
    assert (globex.employee_count, globex.size_band, globex.owner.username) == (
        45,
        "11-50",
        "okhan",
    )


# -- Pipedrive -----------------------------------------------------------------------------


def test_pipedrive_deals_come_in_with_stage_status_owner_organization_and_dates(
    manager, jane, omar, tmp_path
):
    path = write_csv(
        tmp_path / "deals-export.csv",
        PIPEDRIVE_DEALS,
        [
            ["11", "Acme deal", "7000", "EUR", "Pipeline", "Proposal Made", "open", "Jane Doe",
             "Acme Corp", "2024-03-01 10:00:00", "2030-05-31", "", "", ""],
            ["12", "Globex deal", "15000", "USD", "Pipeline", "Negotiations Started", "won",
             "Omar Khan", "Globex", "2024-01-10 09:00:00", "2024-03-31", "2024-03-28 16:00:00",
             "", ""],
            ["13", "Initech deal", "2500", "EUR", "Pipeline", "Demo Scheduled", "lost",
             "Jane Doe", "Initech", "2024-02-01 09:00:00", "", "", "2024-02-25 11:00:00",
             "Price too high"],
            ["14", "Hooli deal", "900", "EUR", "Pipeline", "Contact Made", "lost", "Omar Khan",
             "Hooli", "2024-02-03 09:00:00", "", "", "2024-02-10 11:00:00", "Ghosted us"],
        ],
    )  # fmt: skip

    job = import_with_preset(manager, path, "pipedrive_deals")

    assert errors_of(job) == []
    deals = {d.external_id: d for d in Deal.objects.select_related("stage", "owner", "account")}
    acme, globex, initech, hooli = (deals[str(n)] for n in (11, 12, 13, 14))
    assert (acme.stage.name, acme.outcome, acme.owner.username) == (
        "Proposal and objections", "open", "jdoe"
    )  # fmt: skip
    assert (acme.amount, acme.currency, acme.account.name) == (Decimal("7000"), "EUR", "Acme Corp")
    assert acme.expected_close_on == dt.date(2030, 5, 31)
    assert (globex.outcome, globex.stage.name, globex.currency) == ("won", "Won", "USD")
    assert local_day(globex.closed_at) == dt.date(2024, 3, 28)
    assert local_day(globex.created_at) == dt.date(2024, 1, 10)
    # A lost deal is lost from the stage Pipedrive kept, with its reason.
    assert (initech.outcome, initech.lost_reason.name) == ("lost", "Price too high")
    assert path_of(initech) == [
        "Prospecting", "Qualification", "Needs assessment", "Presentation / demo", "Lost"
    ]  # fmt: skip
    assert local_day(initech.closed_at) == dt.date(2024, 2, 25)
    assert (hooli.outcome, hooli.lost_reason.name) == (Outcome.LOST, "Other")


def test_pipedrive_persons_come_in_with_organization_and_owner(manager, jane, tmp_path):
    path = write_csv(
        tmp_path / "people-export.csv",
        ["Person - ID", "Person - Name", "Person - First name", "Person - Last name",
         "Person - Email", "Person - Phone", "Person - Organization", "Person - Owner",
         "Person - Person created"],
        [["31", "Dorothy Vaughan", "Dorothy", "Vaughan", "dorothy@example.com", "",
          "NACA", "Jane Doe", "2024-02-14 09:30:00"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "pipedrive_persons")

    assert errors_of(job) == []
    dorothy = Contact.objects.select_related("account", "owner").get()
    assert (dorothy.first_name, dorothy.last_name, dorothy.email) == (
        "Dorothy", "Vaughan", "dorothy@example.com"
    )  # fmt: skip
    assert (dorothy.account.name, dorothy.owner.username) == ("NACA", "jdoe")
    assert local_day(dorothy.created_at) == dt.date(2024, 2, 14)


def test_pipedrive_organizations_come_in_with_owner_and_size(manager, omar, tmp_path):
    path = write_csv(
        tmp_path / "organizations-export.csv",
        ["Organization - ID", "Organization - Name", "Organization - Owner",
         "Organization - Address", "Organization - Number of employees",
         "Organization - Organization created"],
        [["41", "Initech", "Omar Khan", "1 Main St, Austin", "350", "2023-06-01 08:00:00"]],
    )  # fmt: skip

    job = import_with_preset(manager, path, "pipedrive_organizations")

    assert errors_of(job) == []
    initech = Account.objects.get(name="Initech")
    assert (initech.owner.username, initech.employee_count, initech.size_band) == (
        "okhan", 350, "201-1000"
    )  # fmt: skip
    assert local_day(initech.created_at) == dt.date(2023, 6, 1)
