"""Custom fields in imports: `custom.<key>` targets and the mapping's `custom_fields` section."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.customers.models import Account, Contact
from salesflow.customfields.models import CustomField
from salesflow.customfields.selectors import custom_filter_q
from salesflow.customfields.services import custom_field_archive, custom_field_create
from salesflow.imports.mapping import mapping_check, mapping_suggest
from salesflow.imports.models import ImportJob, ImportStatus
from salesflow.imports.services import import_job_create, import_preview, import_run
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

VISITS = {"key": "total_visits", "label": "Total visits", "type": "number"}
ORIGIN = {
    "key": "lead_origin",
    "label": "Lead origin",
    "type": "choice",
    "choices": ["Landing Page Submission", "API", "Lead Add Form"],
}
LEADS = {
    "kind": "leads",
    "columns": {
        "Email": "email",
        "Total Visits": "custom.total_visits",
        "Origin": "custom.lead_origin",
    },
    "defaults": {"source": "other"},
}
WITH_SECTION = {**LEADS, "custom_fields": [VISITS, ORIGIN]}
CONTENT = "Email,Total Visits,Origin\nada@example.com,7,API\ngrace@example.com,2,lead add form\n"


@pytest.fixture
def lead_fields(admin_user):
    """The fields LEADS names, defined by an admin on the custom fields page."""
    return [custom_field_create(acting_user=admin_user, kind="lead", **f) for f in (VISITS, ORIGIN)]


def problems(mapping, kind="leads") -> list[str]:
    with pytest.raises(ValidationError) as refused:
        mapping_check(mapping, kind)
    return refused.value.message_dict["mapping"]


def leads_with(**condition: str) -> int:
    (name, value), *_ = condition.items()
    return Lead.objects.filter(custom_filter_q("lead", {f"custom.{name}": value})).count()


# -- targets ---------------------------------------------------------------------------------


def test_a_column_mapped_to_a_custom_field_fills_it_through_the_lead_service(rep, lead_fields):
    job = run_import(rep, CONTENT, mapping=LEADS)

    assert (job.status, job.created_count, job.error_count) == (ImportStatus.DONE, 2, 0)
    ada = Lead.objects.get(email="ada@example.com")
    assert ada.custom == {"total_visits": 7, "lead_origin": "api"}
    assert Lead.objects.get(email="grace@example.com").custom["lead_origin"] == "lead_add_form"
    assert leads_with(total_visits__gte="5") == 1


def test_account_custom_fields_are_filled_and_a_reimport_changes_only_what_differs(admin_user):
    custom_field_create(
        acting_user=admin_user, kind="account", key="renewal_on", label="Renewal", type="date"
    )
    custom_field_create(
        acting_user=admin_user, kind="account", key="arr", label="ARR", type="money",
        currency="EUR",
    )  # fmt: skip
    mapping = {
        "kind": "accounts",
        "columns": {"Company": "name", "Renewal": "custom.renewal_on", "ARR": "custom.arr"},
        "date_format": "d/m/Y",
    }
    content = 'Company,Renewal,ARR\nAcme,31/01/2025,"€ 12.000,50"\nGlobex,,\n'

    first = run_import(admin_user, content, kind="accounts", mapping=mapping)

    acme = Account.objects.get(name="Acme")
    assert (first.created_count, first.error_count) == (2, 0), errors_of(first)
    assert acme.custom == {"renewal_on": "2025-01-31", "arr": 12000.5}
    assert Account.objects.get(name="Globex").custom == {}

    again = run_import(admin_user, content, kind="accounts", mapping=mapping)
    changed = run_import(
        admin_user, "Company,Renewal,ARR\nACME,28/02/2025,\n", kind="accounts", mapping=mapping
    )

    assert (again.updated_count, again.unchanged_count) == (0, 2)
    assert (changed.updated_count, changed.unchanged_count) == (1, 0)
    acme.refresh_from_db()
    # The blank ARR cell keeps what Salesflow has, as for any field.
    assert acme.custom == {"renewal_on": "2025-02-28", "arr": 12000.5}


def test_historical_deals_get_their_custom_values_and_field_defaults(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    custom_field_create(
        acting_user=admin_user, kind="deal", key="seats", label="Seats", type="number"
    )
    custom_field_create(
        acting_user=admin_user, kind="deal", key="region_code", label="Region code", type="text",
        default="EU",
    )  # fmt: skip
    mapping = {
        "kind": "deals",
        "columns": {"ID": "external_id", "Org": "account", "Stage": "stage",
                    "Seats": "custom.seats"},
    }  # fmt: skip

    job = run_import(
        admin_user, "ID,Org,Stage,Seats\nD1,Acme,Qualification,25\nD2,Acme,Won,x\n",
        kind="deals", mapping=mapping,
    )  # fmt: skip

    assert errors_of(job) == [(3, "Seats", "Seats expects a whole number, not 'x'.")]
    assert Deal.objects.get().custom == {"seats": 25, "region_code": "EU"}
    again = run_import(admin_user, "ID,Org,Stage,Seats\nD1,Acme,Qualification,30\n",
                       kind="deals", mapping=mapping)  # fmt: skip
    assert again.updated_count == 1
    assert Deal.objects.get().custom == {"seats": 30, "region_code": "EU"}


def test_contact_custom_fields_read_the_files_dates_and_yes_no_words(admin_user):
    for key, label, kind in [("met_on", "Met on", "date"), ("newsletter", "Newsletter", "yes_no")]:
        custom_field_create(acting_user=admin_user, kind="contact", key=key, label=label, type=kind)
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Met": "custom.met_on", "News": "custom.newsletter"},
    }

    job = run_import(admin_user, "Name,Met,News\nAda King,03/31/2024,x\n", kind="contacts",
                     mapping=mapping)  # fmt: skip

    assert job.created_count == 1, errors_of(job)
    assert Contact.objects.get().custom == {"met_on": "2024-03-31", "newsletter": True}


def test_a_reimport_with_the_same_custom_values_changes_nothing(rep, lead_fields):
    run_import(rep, CONTENT, mapping=LEADS)

    again = run_import(rep, CONTENT.replace("API", "api"), mapping=LEADS)
    changed = run_import(rep, "Email,Total Visits,Origin\nada@example.com,8,\n", mapping=LEADS)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert (changed.updated_count, changed.unchanged_count) == (1, 0)
    ada = Lead.objects.get(email="ada@example.com")
    assert ada.custom == {"total_visits": 8, "lead_origin": "api"}  # the blank origin kept
    assert ada.version == 2  # one update, by the second file only


def test_an_unknown_custom_field_is_refused_by_name_before_any_row_is_read(rep):
    found = problems(LEADS)

    assert found == [
        "columns.'Total Visits': there is no lead custom field 'total_visits'; define it in the "
        'mapping\'s "custom_fields" or under Settings → Custom fields.',
        "columns.'Origin': there is no lead custom field 'lead_origin'; define it in the "
        'mapping\'s "custom_fields" or under Settings → Custom fields.',
    ]
    with pytest.raises(ValidationError):
        import_job_create(user=rep, file=CONTENT.encode(), filename="l.csv", kind="leads",
                          mapping=LEADS)  # fmt: skip
    assert not ImportJob.objects.exists()
    assert not Lead.objects.exists()


def test_a_bad_value_is_an_error_on_its_row_and_column_naming_the_field_and_type(rep, lead_fields):
    content = "Email,Total Visits,Origin\nada@example.com,abc,API\ngrace@example.com,2,Fax\n"

    job = run_import(rep, content, mapping=LEADS)

    assert errors_of(job) == [
        (2, "Total Visits", "Total visits expects a whole number, not 'abc'."),
        (
            3,
            "Origin",
            "Lead origin expects one of its choices, not 'Fax': choose from "
            "landing_page_submission, api, lead_add_form.",
        ),
    ]
    assert job.errors.order_by("row_number").first().value == "abc"
    assert not Lead.objects.exists()


def test_value_tables_defaults_and_required_work_on_custom_targets(rep, lead_fields):
    mapping = {
        **LEADS,
        "values": {"custom.lead_origin": {"LP": "Landing Page Submission", "*": ""}},
        "defaults": {"source": "other", "custom.total_visits": "0"},
        "required": ["custom.lead_origin"],
    }
    content = "Email,Total Visits,Origin\na@example.com,,LP\nb@example.com,3,Other\n"

    job = run_import(rep, content, mapping=mapping)

    assert Lead.objects.get().custom == {
        "total_visits": 0,
        "lead_origin": "landing_page_submission",
    }
    assert errors_of(job) == [(3, "Origin", "A value is required here.")]
    assert (
        "values.custom.lead_origin: 'LP' maps to 'Fax': Lead origin expects one of its "
        in (problems({**mapping, "values": {"custom.lead_origin": {"LP": "Fax"}}})[0])
    )


def test_an_archived_custom_field_is_refused_in_a_mapping(admin_user, lead_fields):
    custom_field_archive(lead_fields[0], acting_user=admin_user)

    assert problems(LEADS) == [
        "custom.total_visits: the lead custom field 'total_visits' (Total visits) is archived; "
        "restore it under Settings → Custom fields, or leave it out of the mapping."
    ]


def test_a_header_is_suggested_for_the_custom_field_of_that_name(lead_fields):
    suggested = mapping_suggest(["E-Mail", "Total Visits", "Lead Origin", "Lead Source"], "leads")

    assert suggested["columns"] == {
        "E-Mail": "email",
        "Total Visits": "custom.total_visits",
        "Lead Origin": "custom.lead_origin",
        "Lead Source": "source",
    }


# -- the custom_fields section ---------------------------------------------------------------


def test_the_section_creates_the_missing_fields_when_an_admin_runs_the_import(admin_user):
    custom_field_create(acting_user=admin_user, kind="lead", **VISITS)  # only this one exists
    mapping = {
        **WITH_SECTION,
        "custom_fields": [VISITS, {**ORIGIN, "is_outcome": True, "section": "Origin"}],
    }

    job = run_import(admin_user, CONTENT, mapping=mapping)

    assert job.status == ImportStatus.DONE, job.message
    origin = CustomField.objects.get(kind="lead", key="lead_origin")
    assert (origin.label, origin.type, origin.is_outcome, origin.section) == (
        "Lead origin", "choice", True, "Origin"
    )  # fmt: skip
    assert origin.choice_keys() == ["landing_page_submission", "api", "lead_add_form"]
    assert CustomField.objects.filter(kind="lead").count() == 2
    assert job.message.endswith(
        "Created the lead custom field Lead origin (lead_origin, one choice)."
    )
    assert leads_with(lead_origin="API") == 1


def test_a_rep_is_told_an_admin_must_run_a_mapping_that_creates_fields_and_nothing_is_written(
    rep,
):
    with pytest.raises(ValidationError) as refused:
        import_job_create(user=rep, file=CONTENT.encode(), filename="l.csv", kind="leads",
                          mapping=WITH_SECTION)  # fmt: skip

    assert refused.value.message_dict["mapping"] == [
        "custom_fields: the lead custom fields Total visits (total_visits, whole number) and "
        "Lead origin (lead_origin, one choice) do not exist yet, and only an admin can create "
        "them. Ask an admin to run this import (which creates them), or to add them under "
        "Settings → Custom fields."
    ]
    assert not CustomField.objects.exists()
    assert not ImportJob.objects.exists()
    assert not Lead.objects.exists()


def test_a_rep_may_run_a_mapping_with_a_section_once_the_fields_exist(rep, lead_fields):
    job = run_import(rep, CONTENT, mapping=WITH_SECTION)

    assert (job.status, job.created_count) == (ImportStatus.DONE, 2)
    assert "custom field" not in job.message


def test_a_field_that_exists_with_another_type_is_refused_naming_it(admin_user, lead_fields):
    mapping = {**WITH_SECTION, "custom_fields": [{**VISITS, "type": "decimal"}, ORIGIN]}

    assert problems(mapping) == [
        "custom_fields.total_visits: the lead custom field 'total_visits' (Total visits) exists "
        "already as whole number, not decimal number; change the mapping's type, or the "
        "field's under Settings → Custom fields."
    ]
    with pytest.raises(ValidationError):
        run_import(admin_user, CONTENT, mapping=mapping)
    assert not Lead.objects.exists()


def test_a_section_is_checked_field_by_field():
    mapping = {
        **LEADS,
        "custom_fields": [
            {"key": "Total Visits", "label": "Visits", "type": "number"},
            {"key": "lead_origin", "label": "Origin", "type": "choice"},
            {"key": "score", "type": "float", "colour": "red"},
            "visits",
        ],
    }

    found = problems(mapping)

    assert found[:5] == [
        "custom_fields.Total Visits: the key must be lower-case letters, digits and underscores, "
        "starting with a letter (at most 50).",
        "custom_fields.lead_origin: a choice field needs its choices, a list of labels such as "
        '["Email Opened", "SMS Sent"].',
        "custom_fields.score: unknown setting 'colour'; a field may have: key, label, type, "
        "choices, section, help_text, currency, is_outcome, is_personal, show_in_list.",
        "custom_fields.score: give it a label, e.g. 'Score'.",
        "custom_fields.score: type 'float' is not one of: text, long_text, number, decimal, "
        "money, date, datetime, yes_no, choice, choices, url, email, phone, user.",
    ]
    assert found[5] == "custom_fields[3] must be an object with a key, a label and a type."
    # The fields the section failed to define are unknown to the columns too.
    assert any(p.startswith("columns.'Total Visits': there is no lead") for p in found)


def test_a_dry_run_creates_no_field_and_checks_values_as_if_they_existed(rep):
    content = CONTENT + "alan@example.com,many,API\n"

    job = run_import(rep, content, mapping=WITH_SECTION, dry_run=True)

    assert (job.status, job.created_count, job.error_count) == (ImportStatus.DONE, 2, 1)
    assert errors_of(job) == [
        (4, "Total Visits", "Total visits expects a whole number, not 'many'.")
    ]
    assert "would create the lead custom fields Total visits (total_visits, whole number)" in (
        job.message
    )
    assert job.message.endswith("Only an admin can run it for real.")
    assert not CustomField.objects.exists()
    assert not Lead.objects.exists()


def test_an_admins_dry_run_creates_no_field_either(admin_user):
    job = run_import(admin_user, CONTENT, mapping=WITH_SECTION, dry_run=True)

    assert (job.status, job.created_count) == (ImportStatus.DONE, 2)
    assert job.message.endswith("their values were checked as if they existed.")
    assert not CustomField.objects.exists()
    assert not Lead.objects.exists()


def test_the_preview_checks_values_against_the_fields_the_import_would_create(admin_user):
    job = import_job_create(user=admin_user, file=CONTENT.encode(), filename="l.csv",
                            kind="leads", mapping=WITH_SECTION)  # fmt: skip

    preview = import_preview(job)

    assert preview.custom_fields_missing == [
        "Total visits (total_visits, whole number)",
        "Lead origin (lead_origin, one choice)",
    ]
    assert preview.labels["custom.total_visits"] == "Custom: Total visits"
    assert [row.values["custom.lead_origin"] for row in preview.rows] == ["API", "Lead Add Form"]
    assert not CustomField.objects.exists()


def test_fields_created_by_an_all_or_nothing_run_stay_when_its_rows_are_refused(admin_user):
    content = "Email,Total Visits,Origin\nada@example.com,abc,API\n"

    job = run_import(admin_user, content, mapping=WITH_SECTION, mode="all_or_nothing")

    assert job.status == ImportStatus.FAILED
    assert "The custom fields created when the import started stay: Total visits" in job.message
    assert CustomField.objects.count() == 2
    assert not Lead.objects.exists()


def test_a_job_whose_creator_is_no_longer_an_admin_fails_without_creating_fields(admin_user):
    job = import_job_create(user=admin_user, file=CONTENT.encode(), filename="l.csv",
                            kind="leads", mapping=WITH_SECTION)  # fmt: skip
    admin_user.role = "rep"
    admin_user.save()

    job = import_run(job)

    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("custom_fields: the lead custom fields Total visits")
    assert not CustomField.objects.exists()
    assert not Lead.objects.exists()
