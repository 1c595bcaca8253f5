"""The proof that erasure erases: a person's values spread over every place they can be, then
every text column of every table of every installed app, the decoded sessions and every file
under MEDIA_ROOT are searched for them. A table or column added later is searched too; a new
text column must also be classified (`test_every_text_column_is_a_place_or_holds_no_person`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from auditlog.context import set_actor
from django.apps import apps
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.activities.services import activity_create
from salesflow.coaching.models import CallRecord, RubricCriterion
from salesflow.coaching.services import recording_attach, review_submit, transcript_save
from salesflow.coaching.tests.factories import wav_upload
from salesflow.core.personal import personal_data_places
from salesflow.customers.models import Account, Contact
from salesflow.customers.services import account_create, contact_create, contact_update
from salesflow.customfields.models import CustomField
from salesflow.imports.models import ImportJob, ImportRowError
from salesflow.imports.services import import_job_create, import_run
from salesflow.leads.dedup import lead_merge
from salesflow.leads.models import Lead
from salesflow.leads.services import lead_create, lead_qualification_record
from salesflow.outreach.models import Recipient, Unsubscription
from salesflow.outreach.services import mailing_create, segment_create, template_create
from salesflow.pipeline.models import Deal
from salesflow.pipeline.services import deal_create, deal_qualification_record, deal_update
from salesflow.pipeline.stakeholders import stakeholder_add
from salesflow.playbooks.services import first_meeting_record, objection_log
from salesflow.privacy.services import person_erase, person_export
from salesflow.quotes.services import quote_create, quote_line_add
from salesflow.referrals.services import referral_record

pytestmark = pytest.mark.django_db(transaction=False)

ANNA = {
    "first": "Zyxandra",
    "last": "Quorvelt",
    "email": "zyxandra.quorvelt@erase-test.example",
    "phone": "+493098765432",
    "hobby": "Xylophone juggling on Sundays",
    "nickname": "Zyxie-Q",
    "old_email": "zq.oldmail@former-test.example",
}
BRUNO = {
    "first": "Brontavius",
    "last": "Kettlewise",
    "email": "b.kettlewise@lead-test.example",
    "phone": "+442079460123",
    "need": "Kettlewise pallets",
    "old_email": "bronta.kw@dupe-test.example",
}
LEADS_MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name", "Company": "company", "Phone": "phone"},
    "defaults": {"source": "referral"},
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# -- the search --------------------------------------------------------------------------------


def _needles(values: dict[str, str]) -> list[str]:
    needles = [v for k, v in values.items() if k not in {"phone", "need"}]
    return [n.lower() for n in needles]


def _hits_in(text: str, values: dict[str, str]) -> list[str]:
    low = text.lower()
    hits = [needle for needle in _needles(values) if needle in low]
    digits = values["phone"].lstrip("+")
    national = digits[2:]
    if national in re.sub(r"\D", "", text):
        hits.append(values["phone"])
    return hits


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return None


def database_hits(values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(table, column, value) of every cell of every table holding one of the values."""
    found = []
    quote = connection.ops.quote_name
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - table names from models
            names = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    text = _as_text(value)
                    if text and _hits_in(text, values):
                        found.append((table, name, text[:120]))
    store = SessionStore()
    for session in Session.objects.all():
        text = json.dumps(store.decode(session.session_data), ensure_ascii=False)
        if _hits_in(text, values):
            found.append(("django_session (decoded)", "session_data", text[:120]))
    return found


def media_hits(root: Path, values: dict[str, str]) -> list[str]:
    found = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        data = path.read_bytes()
        parts = [data]
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts += [archive.read(name) for name in archive.namelist()]
        for part in parts:
            for encoding in ("utf-8", "utf-16", "cp1252"):
                if _hits_in(part.decode(encoding, errors="replace"), values):
                    found.append(str(path.relative_to(root)))
                    break
    return sorted(set(found))


# -- the person spread over every place ---------------------------------------------------------


def _import(user, rows: str, filename: str) -> ImportJob:
    job = import_job_create(
        user=user,
        file=("Email,Name,Company,Phone\n" + rows).encode(),
        filename=filename,
        kind="leads",
        mapping=LEADS_MAPPING,
    )
    return import_run(job)


@pytest.fixture
def world(rep, manager, admin_user, media):
    """Anna, a contact, and Bruno, a lead, each in every place a person's values can be."""
    a, b = ANNA, BRUNO
    full = f"{a['first']} {a['last']}"
    CustomField.objects.create(
        kind="contact", key="nickname", label="Nickname", type="text", is_personal=True
    )
    with set_actor(rep):
        account = account_create(acting_user=rep, name=full)  # a sole trader
        contact = contact_create(
            acting_user=rep, account=account, first_name=a["first"], last_name="Q",
            email=a["email"], phone="+49 30 98765432", hobbies=a["hobby"],
            custom={"nickname": a["nickname"]},
        )  # fmt: skip
        contact = contact_update(contact, acting_user=rep, last_name=a["last"], family="Married")
        colleague = contact_create(
            acting_user=rep, account=account, last_name="Colleague",
            notes=f"Assistant of {full}; reach her at {a['email']}.",
        )  # fmt: skip
        lead = lead_create(
            acting_user=rep, first_name=a["first"], last_name=a["last"], email=a["email"],
            source="referral", notes=f"Met {a['first']} at the fair.",
        )  # fmt: skip
        duplicate = lead_create(
            acting_user=rep, first_name=a["first"], last_name=a["last"], email=a["old_email"],
            source="referral",
        )  # fmt: skip
        lead_merge(lead, duplicate, acting_user=rep)
        lead_qualification_record(
            lead, acting_user=rep, decision_maker_name=full, need=f"{a['first']} needs tracking"
        )
        deal = deal_create(
            acting_user=rep, name=f"{full} fleet rollout", account=account,
            primary_contact=contact, amount=Decimal("5000"),
        )  # fmt: skip
        deal = deal_update(deal, acting_user=rep, name=f"{full} fleet rollout 2026")
        deal_qualification_record(
            deal, acting_user=rep, decision_maker_name=full, need=f"{a['last']} wants speed"
        )
        stakeholder_add(
            deal, contact=contact, role="decision_maker", acting_user=rep,
            personality=f"Talks about {a['hobby']}", working_style="Decides alone",
        )  # fmt: skip
        call = activity_create(
            acting_user=rep, type="call", subject=f"Call {a['first']}", contact=contact,
            deal=deal, body=f"Her number {a['phone']}",
        )  # fmt: skip
        on_deal = activity_create(
            acting_user=rep, type="meeting", subject=f"Pricing for {a['last']}", deal=deal,
            body="Send the offer to +49 (30) 9876-5432.",
        )  # fmt: skip
        other_deal = deal_create(acting_user=rep, name="Unrelated deal", amount=Decimal("10"))
        activity_create(
            acting_user=rep, type="note", subject="Copied", deal=other_deal,
            body=f"cc {a['email'].upper()} and {a['last']}, {a['first']}",
        )  # fmt: skip
        transcript_save(
            call, format="lines", rep_speaker="Rita", acting_user=rep,
            text=f"Rita: Hello {a['first']}?\n{a['first']}: Hello Rita, call me on {a['phone']}.",
        )  # fmt: skip
        recording_attach(call, upload=wav_upload(f"{full} call.wav"), acting_user=rep)
        transcript_save(
            on_deal, format="lines", rep_speaker="Rita", acting_user=rep,
            text=f"Rita: Shall we ask {a['last']}?\nDana: Yes, ask {a['first']}.",
        )  # fmt: skip
        quote = quote_create(deal, acting_user=rep, notes=f"For {full}, {a['email']}")
        quote_line_add(
            quote, acting_user=rep, description=f"Onboarding of {a['first']}'s team",
            quantity=Decimal("1"), unit_price=Decimal("100"),
        )  # fmt: skip
        referral_record(
            acting_user=rep, referrer_contact=contact, deal=deal, note=f"{a['first']} sent us"
        )
        first_meeting_record(
            deal, state="clear_demand", acting_user=rep, notes=f"{a['last']} was curious"
        )
        objection_log(
            deal, category="price", customer_words=f"{a['first']}: too expensive", acting_user=rep
        )
        template = template_create(
            acting_user=rep, name="News", subject="News", body_text="Hello {{ first_name }}"
        )
        segment = segment_create(acting_user=rep, name="All", filters={})
        mailing = mailing_create(
            acting_user=rep, name="Spring", kind="newsletter", template=template, segment=segment
        )
        Recipient.objects.create(mailing=mailing, contact=contact, email=a["email"])
        Unsubscription.objects.create(
            contact=contact, email=a["email"], mailing=mailing,
            unsubscribed_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip

        # Bruno: a lead with BANT, a merged duplicate, a deal converted from him.
        bruno = lead_create(
            acting_user=rep, first_name=b["first"], last_name=b["last"], email=b["email"],
            phone=b["phone"], company="Pallets Ltd", source="referral",
        )  # fmt: skip
        bruno_dupe = lead_create(
            acting_user=rep, first_name=b["first"], last_name=b["last"], email=b["old_email"],
            source="referral", notes=f"Call {b['first']} back",
        )  # fmt: skip
        lead_merge(bruno, bruno_dupe, acting_user=rep)
        lead_qualification_record(
            bruno, acting_user=rep, decision_maker_name=f"{b['first']} {b['last']}",
            need=f"{b['last']} needs {b['need']}",
        )  # fmt: skip
        bruno_deal = deal_create(acting_user=rep, name=f"{b['last']} pallets", lead=bruno)
        activity_create(
            acting_user=rep, type="call", subject=f"Call {b['first']}", lead=bruno,
            body=f"Mobile {b['phone']}",
        )  # fmt: skip
    review_submit(
        call, scores={c.pk: 4 for c in RubricCriterion.objects.filter(is_active=True)},
        comment=f"Good rapport with {a['first']}",
        acting_user=manager,
    )  # fmt: skip
    # The imports: rows of both, one with an error quoting the person, in a stored upload.
    _import(
        rep,
        f"{a['email']},{full},Sole trader,+49 30 98765432\n"
        f"{a['last']}@@bad,{full},Sole trader,\n"
        f"{b['email']},{b['first']} {b['last']},Pallets Ltd,{b['phone']}\n"
        "ok@example.com,Other Person,Other Co,\n",
        filename=f"{a['last']}-and-others.csv",
    )
    # A draft waiting in the import wizard, its sample rows in the admin's session.
    client = client_for(admin_user)
    upload = SimpleUploadedFile(
        "draft.csv", f"Email,Name\n{a['email']},{full}\n{b['email']},{b['last']}\n".encode()
    )
    response = client.post("/imports/new/", {"kind": "leads", "file": upload})
    assert response.status_code == 302, response.content[:500]
    # The Django admin's log and the privacy export's own audit event name them too.
    AdminLogEntry.objects.create(
        user=admin_user, content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(contact.pk), object_repr=str(contact), action_flag=CHANGE,
        change_message=f"Changed email to {a['email']}",
    )  # fmt: skip
    person_export(contact, acting_user=admin_user)
    person_export(bruno, acting_user=admin_user)
    return {
        "contact": contact, "lead": lead, "bruno": bruno, "deal": deal, "call": call,
        "bruno_deal": bruno_deal, "colleague": colleague, "client": client, "account": account,
    }  # fmt: skip


def test_before_erasure_the_search_finds_the_person_in_every_kind_of_place(world, media):
    tables = {table for table, _, _ in database_hits(ANNA)}
    assert {
        "customers_contact", "customers_account", "leads_lead", "leads_leadmerge",
        "leads_qualification", "pipeline_deal", "pipeline_dealstakeholder",
        "activities_activity", "coaching_callrecord", "coaching_review", "quotes_quote",
        "quotes_quoteline", "referrals_referral", "playbooks_firstmeeting",
        "playbooks_dealobjection", "outreach_recipient", "outreach_unsubscription",
        "auditlog_logentry", "audit_auditevent", "django_admin_log", "imports_importrowerror",
        "imports_importjob", "django_session (decoded)",
    } <= tables  # fmt: skip
    assert media_hits(media, ANNA)  # the stored import and the draft


def test_erasing_a_contact_leaves_none_of_their_values_in_the_database_or_the_uploads(
    world, admin_user, media, django_capture_on_commit_callbacks
):
    contact = world["contact"]
    recording = CallRecord.objects.get(activity=world["call"]).recording.name
    with django_capture_on_commit_callbacks(execute=True):  # files go once committed
        response = world["client"].post(
            f"/privacy/contact/{contact.pk}/erase/", {"confirm": "erase"}
        )
    assert response.status_code == 302

    hits = database_hits(ANNA)
    assert hits == [], "\n".join(map(str, hits))
    assert media_hits(media, ANNA) == []
    # What carries business data stays, neutrally named.
    deal = Deal.objects.get(pk=world["deal"].pk)
    assert (deal.name, deal.amount) == (f"Deal #{deal.pk}", Decimal("5000.00"))
    assert Account.objects.get(pk=world["account"].pk).name == f"Account #{world['account'].pk}"
    assert Activity.objects.filter(deal=deal).count() == 2
    assert Activity.objects.get(deal=deal, type="meeting").subject == "Pricing for [erased]"
    record = CallRecord.objects.get(activity=world["call"])
    assert (record.recording.name, record.transcript_text) == ("", "")
    assert not (Path(media) / recording).exists()
    job = ImportJob.objects.get(kind="leads")
    assert (job.file.name, job.created_count, job.error_count) == ("", job.created_count, 1)
    assert ImportRowError.objects.get(job=job).value == ""
    # The other person is untouched.
    assert len(database_hits(BRUNO)) > 5
    assert Contact.objects.get(pk=world["colleague"].pk).last_name == "Colleague"


def test_erasing_a_lead_leaves_none_of_their_values_anywhere(
    world, admin_user, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(world["bruno"], acting_user=admin_user)

    hits = database_hits(BRUNO)
    assert hits == [], "\n".join(map(str, hits))
    assert media_hits(media, BRUNO) == []
    bruno_deal = Deal.objects.get(pk=world["bruno_deal"].pk)
    assert bruno_deal.name == f"Deal #{bruno_deal.pk}"
    assert bruno_deal.qualification is None or "[erased]" in bruno_deal.qualification.need
    assert Lead.objects.get(pk=world["bruno"].pk).qualification.decision_maker_name == "[erased]"
    assert len(database_hits(ANNA)) > 5  # the other person is untouched


def test_the_export_lists_every_place_the_erasure_reaches(world, admin_user):
    data = person_export(world["contact"], acting_user=admin_user)
    keys = {place["key"] for place in data["places"]}
    assert {
        "customers.accounts", "customers.contacts", "leads.qualifications", "leads.merges",
        "pipeline.deals", "pipeline.stakeholders", "activities.activities",
        "coaching.call_records", "coaching.reviews", "quotes.quotes", "quotes.lines",
        "referrals.referrals", "playbooks.first_meetings", "playbooks.objections",
        "outreach.recipients", "outreach.unsubscriptions", "auditlog.history", "audit.events",
        "admin.log", "imports", "sessions",
    } <= keys  # fmt: skip
    imports = next(p for p in data["places"] if p["key"] == "imports")["items"]
    job = next(item for item in imports if item["model"] == "imports.ImportJob")
    assert job["rows"] == [2, 3]  # the rows holding the person, as a spreadsheet numbers them
    assert any(item["model"] == "imports.draft" for item in imports)
    assert [m["data"]["email"] for m in data["merges"]] == [ANNA["old_email"]]

    person_erase(world["contact"], acting_user=admin_user)
    after = person_export(Contact.objects.get(pk=world["contact"].pk), acting_user=admin_user)
    assert after["places"] == []
    assert not _hits_in(json.dumps(after), ANNA)


# -- a new column cannot escape ------------------------------------------------------------------

# Text columns that never hold a customer's personal values, with the reason. A new text column
# must either be covered by a registered place (salesflow.core.personal) or be listed here.
PERSON_FREE = {
    "admin.LogEntry.object_id": "an id",
    "auth.Permission": "configuration", "auth.Group": "configuration",
    "contenttypes.ContentType": "model names",
    "sessions.Session.session_key": "a random key",
    "django_tasks_database.DBTaskResult": "ids and paths; texts covered by tasks.results",
    "auditlog.LogEntry.object_pk": "an id", "auditlog.LogEntry.cid": "a correlation id",
    "auditlog.LogEntry.actor_email": "the user who made the change",
    "axes": "sign-in attempts of users (usernames, addresses of staff)",
    "core.SiteSettings": "configuration", "users": "staff, not customers",
    "customfields.CustomField": "definitions", "customers.TierLevel": "configuration",
    "leads.AssignmentRule": "configuration", "leads.ProfileCriterion": "configuration",
    "leads.ScoringRule": "configuration", "leads.Campaign": "configuration",
    "leads.DisqualificationReason": "configuration", "leads.LeadCaptureForm": "configuration",
    "leads.Lead.score_breakdown": "computed rule names and points",
    "pipeline.Pipeline": "configuration", "pipeline.Stage": "configuration",
    "pipeline.StageRequirement": "configuration", "pipeline.LostReason": "configuration",
    "pipeline.Competitor": "competitor companies",
    "activities.InvitationReason": "configuration", "playbooks.ChecklistItem": "configuration",
    "playbooks.QuestionSet": "configuration", "playbooks.Question": "configuration",
    "playbooks.NextActionRule": "configuration", "playbooks.LibraryResponse": "shared answers",
    "audit.AuditEvent.object_type": "a model name", "audit.AuditEvent.object_id": "an id",
    "quotes.Product": "the catalogue", "quotes.Quote.number": "a number",
    "quotes.QuoteSettings": "the seller's own details",
    "imports.ImportJob.file_sha256": "a hash", "imports.ImportJob.detected": "file format",
    "imports.ImportJob.runner": "host and process id",
    "analytics": "trained models' metrics", "followup": "tokens and rules",
    "coaching.RubricCriterion": "configuration",
    "core.ConfigVersion": "a random token naming the configuration's version",
    "otp_totp": "users' second factor", "otp_static": "users' recovery codes",
}  # fmt: skip


def _classified(label: str, name: str, covered: set[str]) -> bool:
    app, _model = label.split(".")
    return bool({f"{label}.{name}", label, app} & (covered | set(PERSON_FREE)))


def test_every_text_column_is_a_place_or_holds_no_person():
    covered = {column for place in personal_data_places() for column in place.columns}
    # The person's own records are rewritten field by field by person_erase.
    covered |= {"customers.Contact", "leads.Lead"}
    unclassified = []
    for model in apps.get_models():
        label = model._meta.label
        for field in model._meta.concrete_fields:
            text = isinstance(field, models.CharField | models.TextField | models.JSONField)
            if not (text or isinstance(field, models.FileField)):
                continue
            if field.choices or _classified(label, field.name, covered):
                continue
            unclassified.append(f"{label}.{field.name}")
    assert unclassified == []
