from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from salesflow.customers.models import Account, Contact
from salesflow.imports.models import ImportJob, ImportMapping, ImportStatus
from salesflow.imports.services import (
    import_errors_csv,
    import_job_create,
    import_mapping_save,
    import_preview,
    import_run,
)
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead, LeadStatus
from salesflow.pipeline.models import Deal, Outcome
from tests.factories import AccountFactory, LeadFactory

LEADS = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name", "Company": "company", "Phone": "phone"},
    "defaults": {"source": "referral"},
}
HEADER = "Email,Name,Company,Phone\n"


def test_leads_are_created_through_the_service_and_owned_by_the_importer(rep, north):
    job = run_import(
        rep, HEADER + "ada@example.com,Ada Lovelace,Analytical Engines,\n", mapping=LEADS
    )

    lead = Lead.objects.get()
    assert (job.status, job.created_count, job.rows_total) == (ImportStatus.DONE, 1, 1)
    assert (lead.first_name, lead.last_name, lead.email) == ("Ada", "Lovelace", "ada@example.com")
    assert (lead.owner, lead.team, lead.channel) == (rep, north, "inbound")  # as lead_create does
    assert job.message.startswith("Created 1, updated 0, unchanged 0")


def test_a_reimport_matches_email_then_phone_then_name_and_company(rep):
    LeadFactory(owner=rep, email="old@example.com", first_name="Old", last_name="Mail", company="")
    LeadFactory(owner=rep, email="", phone="+4930123456", first_name="P", last_name="Hone")
    LeadFactory(
        owner=rep, email="", phone="", first_name="Grace", last_name="Hopper", company="Navy"
    )
    content = (
        HEADER
        + "OLD@example.com,Old Mail,,\n"  # same email, nothing new
        + ",P Hone,,+49 30 123456\n"  # same phone
        + ",grace  HOPPER,NAVY,\n"  # same name at the same company, in other capitals
        + ",Grace Hopper,Harvard,\n"  # same name elsewhere: a new lead
    )

    job = run_import(rep, content, mapping=LEADS)

    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 0, 3)
    assert Lead.objects.count() == 4


def test_changed_values_update_the_record_and_blank_cells_keep_what_is_there(rep):
    lead = LeadFactory(owner=rep, email="ada@example.com", company="Old Co", phone="+4930123456")

    job = run_import(rep, HEADER + "ada@example.com,,New Co,\n", mapping=LEADS)

    lead.refresh_from_db()
    assert (job.updated_count, lead.company, lead.phone) == (1, "New Co", "+4930123456")
    assert lead.version == 2  # through lead_update, which bumps the version


def test_the_external_id_identifies_a_lead_before_its_email(rep):
    mapping = {**LEADS, "columns": {**LEADS["columns"], "ID": "external_id"}}
    content = "ID," + HEADER + "X-1,ada@example.com,Ada,,\nX-2,ada@example.com,Ada Twin,,\n"

    first = run_import(rep, content, mapping=mapping)
    again = run_import(rep, content, mapping=mapping)

    assert first.created_count == 2
    assert (again.created_count, again.unchanged_count) == (0, 2)
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["X-1", "X-2"]


def test_the_same_person_twice_in_one_file_is_one_lead(rep):
    job = run_import(
        rep, HEADER + "ada@example.com,Ada,,\nada@example.com,Ada Lovelace,,\n", mapping=LEADS
    )

    assert (job.created_count, job.updated_count) == (1, 1)
    assert Lead.objects.get().last_name == "Lovelace"


def test_a_service_refusal_becomes_an_error_on_the_column(rep):
    job = run_import(rep, HEADER + ",,,\n,,,+1\n", mapping=LEADS)

    assert job.skipped_count == 1  # the blank row
    [(row, column, message)] = errors_of(job)
    assert (row, column) == (3, "Phone")
    assert message.startswith("Enter a valid phone number")


def test_a_lead_with_nothing_to_identify_it_is_refused_by_lead_create(rep):
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Title": "title"}}

    job = run_import(rep, "Title," + HEADER + "CEO,,,,\n", mapping=mapping)

    assert errors_of(job) == [
        (2, "Name", "Give at least a name, an email, a phone number or a company.")
    ]


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")]
)
def test_utf8_bom_and_latin1_files_import_the_same_names(rep, encoding, prefix):
    content = prefix + (HEADER + "j@example.com,Jürgen Müller,Café Zoë,\n").encode(encoding)

    job = run_import(rep, content, mapping=LEADS)

    lead = Lead.objects.get()
    assert job.created_count == 1
    assert (lead.first_name, lead.last_name, lead.company) == ("Jürgen", "Müller", "Café Zoë")


def test_a_semicolon_file_with_decimal_commas_and_day_first_dates(admin_user):
    content = (
        "Deal;Firma;Phase;Betrag;Angelegt;Abgeschlossen\n"
        "D1;Müller GmbH;Won;1.234,50;03.02.2024;15.03.2024\n"
        "D2;Müller GmbH;Closing;12,5;31.01.2024;\n"
    )
    mapping = {
        "columns": {"Deal": "external_id", "Firma": "account", "Phase": "stage",
                    "Betrag": "amount", "Angelegt": "created_at", "Abgeschlossen": "closed_at"},
        "create_missing": ["account"],
    }  # fmt: skip

    job = run_import(admin_user, content.encode("cp1252"), kind="deals", mapping=mapping)

    assert job.detected["delimiter"] == "semicolon"
    assert job.detected["date_order"] == "dmy"
    won, still_open = Deal.objects.order_by("external_id")
    assert (won.amount, won.outcome, still_open.amount) == (
        Decimal("1234.50"),
        "won",
        Decimal("12.50"),
    )
    assert won.created_at.date() == dt.date(2024, 2, 3)
    assert won.closed_at.date() == dt.date(2024, 3, 15)
    assert Account.objects.get().name == "Müller GmbH"


def test_month_first_dates_are_recognised_or_named_in_the_mapping(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    mapping = {"columns": {"ID": "external_id", "Org": "account", "Stage": "stage",
                           "Created": "created_at"}}  # fmt: skip
    content = "ID,Org,Stage,Created\nA,Acme,Closing,03/04/2024\nB,Acme,Closing,12/31/2023\n"

    run_import(admin_user, content, kind="deals", mapping=mapping)
    forced = {**mapping, "date_format": "d/m/Y"}
    override = run_import(admin_user, "ID,Org,Stage,Created\nC,Acme,Closing,03/04/2024\n",
                          kind="deals", mapping=forced)  # fmt: skip

    dates = dict(Deal.objects.values_list("external_id", "created_at__date"))
    assert dates == {"A": dt.date(2024, 3, 4), "B": dt.date(2023, 12, 31), "C": dt.date(2024, 4, 3)}
    assert override.detected["date_order"] == "mdy" or override.mapping["date_format"] == "d/m/Y"


def test_an_xlsx_file_imports_like_a_csv(rep):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Name", "Company", "Phone"])
    sheet.append(["ada@example.com", "Ada Lovelace", "Analytical", 2015550123])
    sheet.append([None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = run_import(rep, buffer.getvalue(), mapping=LEADS, filename="leads.xlsx")

    assert (job.created_count, job.skipped_count, job.detected["type"]) == (1, 1, "xlsx")
    assert Lead.objects.get().company == "Analytical"


def test_a_missing_required_column_fails_the_file_naming_it(rep):
    mapping = {"kind": "deals", "columns": {"Org": "account", "Stage": "stage"}}

    job = run_import(rep, "Org,Amount\nAcme,10\n", kind="deals", mapping=mapping, filename="d.csv")

    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("d.csv, row 1: required column 'Stage' (for stage) is missing")
    assert errors_of(job) == [(1, "Stage", job.message)]
    assert Deal.objects.count() == 0


def test_a_file_without_a_header_row_fails_and_writes_nothing(rep):
    job = run_import(rep, "ada@example.com,Ada,Acme,\n", mapping=LEADS, filename="noheader.csv")

    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("noheader.csv, row 1: no header row.")
    assert Lead.objects.count() == 0


def test_an_undecodable_file_fails_naming_file_row_and_column(rep):
    content = b"Email,Name,Company,Phone\nada@example.com,\x00\x81\x8d\x00,x,\n"

    job = run_import(rep, content, mapping=LEADS, filename="binary.csv")

    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("binary.csv, row 2, column 'Name': byte 0x81 cannot be decoded")
    assert Lead.objects.count() == 0


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(rep):
    job = run_import(
        rep, HEADER + "a@example.com,A,,\nbad@,B,,\nc@example.com,C,,\n", mapping=LEADS,
        mode="all_or_nothing",
    )  # fmt: skip

    assert job.status == ImportStatus.FAILED
    assert [(r, c) for r, c, _ in errors_of(job)] == [(3, "Email")]
    assert job.created_count == 0 and "2 rows were valid" in job.message
    assert Lead.objects.count() == 0


def test_all_or_nothing_writes_everything_when_every_row_is_good(rep):
    job = run_import(rep, HEADER + "a@example.com,A,,\nc@example.com,C,,\n", mapping=LEADS,
                     mode="all_or_nothing", chunk_rows=1)  # fmt: skip

    assert (job.status, job.created_count, job.rows_processed) == (ImportStatus.DONE, 2, 2)
    assert Lead.objects.count() == 2


def test_a_dry_run_counts_what_would_happen_and_writes_nothing(rep):
    LeadFactory(owner=rep, email="a@example.com")

    job = run_import(rep, HEADER + "a@example.com,A B,,\nc@example.com,C,,\nbad@,D,,\n",
                     mapping=LEADS, dry_run=True)  # fmt: skip

    assert (job.status, job.created_count, job.updated_count, job.error_count) == ("done", 1, 1, 1)
    assert job.message.endswith("Dry run: nothing was written.")
    assert Lead.objects.count() == 1


def test_valid_rows_mode_commits_chunk_by_chunk_and_resumes_after_the_checkpoint(rep):
    rows = "".join(f"p{n}@example.com,P {n},,\n" for n in range(10))
    job = import_job_create(user=rep, file=(HEADER + rows).encode(), filename="p.csv",
                            kind="leads", mapping=LEADS)  # fmt: skip
    # As if a process had handled 4 rows, committed, and died: a new run goes on from row 6.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, runner="elsewhere:1", rows_processed=4, created_count=4
    )
    job.refresh_from_db()
    ImportJob.objects.filter(pk=job.pk).update(updated_at=job.updated_at - dt.timedelta(hours=1))
    job.refresh_from_db()

    job = import_run(job, chunk_rows=3)

    assert (job.status, job.rows_processed, job.created_count) == ("done", 10, 10)
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        f"p{n}@example.com" for n in range(4, 10)
    ]


def test_a_running_job_is_not_run_twice(rep):
    job = import_job_create(user=rep, file=(HEADER + "a@example.com,A,,\n").encode(),
                            filename="a.csv", kind="leads", mapping=LEADS)  # fmt: skip
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, runner="otherhost:1")

    with pytest.raises(Exception, match="is running in process otherhost:1"):
        import_run(job)
    finished = run_import(rep, HEADER + "b@example.com,B,,\n", mapping=LEADS)
    with pytest.raises(ValidationError, match="has already finished"):
        import_run(finished)


def test_a_rep_imports_for_teammates_but_not_for_other_teams(rep, teammate, outsider):
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Owner": "owner"}}
    content = "Owner," + HEADER + "teammate,a@example.com,A,,\noutsider,b@example.com,B,,\n"

    job = run_import(rep, content, mapping=mapping)

    assert Lead.objects.get().owner == teammate
    assert errors_of(job) == [(3, "Owner", "You can only assign records to people in your teams.")]


def test_an_unknown_owner_is_an_error_unless_the_mapping_creates_missing_owners(manager):
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Owner": "owner"}}
    content = "Owner," + HEADER + "Jane Gone,a@example.com,A,,\n"

    refused = run_import(manager, content, mapping=mapping)
    created = run_import(manager, content, mapping={**mapping, "create_missing": ["owner"]})

    assert errors_of(refused)[0][:2] == (2, "Owner")
    assert "No user 'Jane Gone'" in errors_of(refused)[0][2]
    owner = Lead.objects.get().owner
    assert (owner.first_name, owner.last_name, owner.is_active) == ("Jane", "Gone", False)
    assert created.created_count == 1


def test_only_managers_and_admins_may_create_users_by_import(rep):
    with pytest.raises(ValidationError, match="only managers and admins may add users"):
        import_job_create(user=rep, file=b"x", filename="x.csv", kind="leads",
                          mapping={**LEADS, "create_missing": ["owner"]})  # fmt: skip


def test_the_default_owner_must_be_someone_the_importer_may_assign(rep, teammate, outsider):
    with pytest.raises(ValidationError, match="people in your teams"):
        import_job_create(user=rep, file=b"x", filename="x.csv", kind="leads", mapping=LEADS,
                          default_owner=outsider)  # fmt: skip

    run_import(rep, HEADER + "a@example.com,A,,\n", mapping=LEADS, default_owner=teammate)

    assert Lead.objects.get().owner == teammate


def test_a_rep_cannot_change_another_teams_record_by_import(rep, outsider):
    # Readable (shared with everyone) but not the rep's to change; a record the rep cannot
    # read is not matched at all (test_readable_matching.py).
    LeadFactory(owner=outsider, email="a@example.com", company="Theirs", visibility="everyone")

    job = run_import(rep, HEADER + "a@example.com,,Mine,\n", mapping=LEADS)

    assert job.error_count == 1
    assert "outside your teams" in errors_of(job)[0][2]
    assert Lead.objects.get().company == "Theirs"


def test_contacts_are_linked_to_accounts_found_or_created(rep):
    AccountFactory(name="Acme Corp", owner=rep)
    mapping = {
        "kind": "contacts",
        "columns": {"Name": "full_name", "Email": "email", "Company": "account",
                    "Consent": "has_consent", "Birthday": "birthday"},
        "create_missing": ["account"],
    }  # fmt: skip
    content = (
        "Name,Email,Company,Consent,Birthday\n"
        "Ada Lovelace,ada@example.com,ACME CORP,yes,1815-12-10\n"
        "Bob Byte,bob@example.com,Newco,no,\n"
    )

    job = run_import(rep, content, kind="contacts", mapping=mapping)
    again = run_import(rep, content, kind="contacts", mapping=mapping)

    assert job.created_count == 2 and again.unchanged_count == 2
    ada = Contact.objects.get(email="ada@example.com")
    assert (ada.account.name, ada.has_consent, ada.birthday) == (
        "Acme Corp",
        True,
        dt.date(1815, 12, 10),
    )
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme Corp", "Newco"]


def test_accounts_are_matched_by_their_normalised_name(rep):
    AccountFactory(name="Acme Corp", owner=rep, industry="Old")
    mapping = {"kind": "accounts", "columns": {"Company": "name", "Industry": "industry",
                                               "Web": "website", "Tier": "tier"}}  # fmt: skip
    content = "Company,Industry,Web,Tier\n  acme   corp ,Software,acme.example,A\nBeta,,,\n"

    job = run_import(rep, content, kind="accounts", mapping=mapping)

    assert (job.created_count, job.updated_count) == (1, 1)
    acme = Account.objects.get(name="Acme Corp")
    assert (acme.industry, acme.website, acme.tier) == ("Software", "https://acme.example", "A")


def test_historical_created_dates_are_kept(rep):
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Created": "created_at"}}

    run_import(rep, "Created," + HEADER + "2021-06-01 08:30,a@example.com,A,,\n", mapping=mapping)

    assert Lead.objects.get().created_at.date() == dt.date(2021, 6, 1)


def test_a_lost_deal_gets_the_reason_other_when_the_file_names_none(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    mapping = {"kind": "deals", "columns": {"ID": "external_id", "Org": "account",
               "Stage": "stage", "Status": "outcome", "Closed": "closed_at",
               "Reason": "lost_reason"}}  # fmt: skip
    content = (
        "ID,Org,Stage,Status,Closed,Reason\n"
        "1,Acme,Needs assessment,lost,2024-05-01,\n"
        "2,Acme,Needs assessment,lost,2024-05-01,Ran out of coffee\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    deal = Deal.objects.get()
    assert (deal.outcome, deal.lost_reason.name) == (Outcome.LOST, "Other")
    path = [c.to_stage.name for c in deal.stage_changes.order_by("changed_at", "pk")]
    assert path == ["Prospecting", "Qualification", "Needs assessment", "Lost"]
    assert errors_of(job)[0][:2] == (3, "Reason")
    assert "Unknown lost reason 'Ran out of coffee'" in errors_of(job)[0][2]


def test_a_deal_row_without_a_name_account_or_stage_is_refused_on_that_column(admin_user):
    mapping = {"kind": "deals", "columns": {"Org": "account", "Stage": "stage"}}

    job = run_import(admin_user, "Org,Stage\n,Closing\nAcme,\n", kind="deals", mapping=mapping)

    assert errors_of(job) == [
        (2, "name", "A deal without an account needs a name or an external id."),
        (3, "Stage", "A deal needs a stage."),
    ]


def test_a_reimport_with_a_new_stage_moves_the_deal_with_history(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    mapping = {"kind": "deals", "columns": {"ID": "external_id", "Org": "account",
                                            "Stage": "stage"}}  # fmt: skip
    run_import(admin_user, "ID,Org,Stage\nD1,Acme,Qualification\n", kind="deals", mapping=mapping)

    job = run_import(admin_user, "ID,Org,Stage\nD1,Acme,Prospecting\n", kind="deals",
                     mapping=mapping)  # fmt: skip

    deal = Deal.objects.get()
    assert (job.updated_count, deal.stage.name) == (1, "Prospecting")
    assert deal.stage_changes.count() == 3  # two from the first import, one backward move


def test_the_preview_shows_mapped_rows_and_cell_errors_and_writes_nothing(rep):
    job = import_job_create(
        user=rep, file=(HEADER + "ada@example.com,Ada Lovelace,,\nbad@,Bob,,\n").encode(),
        filename="p.csv", kind="leads", mapping=LEADS,
    )  # fmt: skip

    preview = import_preview(job, rows=20)

    assert preview.headers == ["Email", "Name", "Company", "Phone"]
    assert preview.detected["delimiter"] == "comma"
    first, second = preview.rows
    assert (first.number, first.action, first.values["last_name"]) == (2, "created", "Lovelace")
    assert second.action == "error" and list(second.errors) == ["Email"]
    assert Lead.objects.count() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING


def test_the_preview_of_a_bad_file_says_why(rep):
    job = import_job_create(user=rep, file=b"", filename="empty.csv", kind="leads", mapping=LEADS)

    assert import_preview(job).file_error == "empty.csv is empty: there is no header row."


def test_errors_download_as_csv_with_formulas_neutralised(rep):
    job = run_import(rep, HEADER + "=HYPERLINK(1),x,,\n", mapping=LEADS)

    response = import_errors_csv(job)
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["row", "column", "value", "message"]
    assert rows[1][:3] == ["2", "Email", "'=HYPERLINK(1)"]


def test_the_uploaded_file_is_stored_under_media_root_with_its_checksum(rep, media_in_tmp):
    mapping = {**LEADS, "columns": {"Email": "email"}}

    job = import_job_create(
        user=rep, file=b"Email\n", filename="../../etc/leads.csv", kind="leads", mapping=mapping
    )

    assert job.original_filename == "leads.csv"
    assert job.file.path.startswith(str(media_in_tmp))
    assert job.file.read() == b"Email\n"
    assert len(job.file_sha256) == 64


def test_a_mapping_is_saved_checked_and_reusable(rep):
    saved = import_mapping_save(user=rep, name="Webinar leads", kind="leads", definition=LEADS)

    job = run_import(rep, HEADER + "a@example.com,A,,\n", mapping=saved)

    assert ImportMapping.objects.get().definition["null_values"] == [""]
    assert job.created_count == 1
    with pytest.raises(ValidationError):
        import_mapping_save(user=rep, name="Broken", kind="leads", definition={"columns": {}})


def test_import_preview_status_change_for_converted_leads_is_refused_on_update(rep):
    lead = LeadFactory(owner=rep, email="a@example.com", status=LeadStatus.NEW)
    mapping = {**LEADS, "columns": {**LEADS["columns"], "Status": "status"}}

    job = run_import(rep, "Status," + HEADER + "converted,a@example.com,,,\n", mapping=mapping)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert errors_of(job) == [(2, "Status", "A lead becomes converted only by converting it.")]
