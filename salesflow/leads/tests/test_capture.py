from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.leads.models import FormSubmission, Lead, SubmissionOutcome
from salesflow.leads.services import CaptureRefused, lead_capture_from_form, lead_create
from salesflow.leads.tests.factories import CaptureFormFactory
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

VISITOR = {
    "first_name": "Ana",
    "last_name": "Lima",
    "email": " Ana.Lima@Example.COM ",
    "phone": "+49 30 1234567",
    "company": "Lima Logistics GmbH",
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


def test_a_submission_creates_a_lead_with_channel_source_and_campaign(form, rep, north):
    lead = lead_capture_from_form(form, data=VISITOR, ip="203.0.113.5")
    assert (lead.source, lead.channel, lead.campaign) == ("webinar", "inbound", form.campaign)
    assert lead.capture_form == form
    assert (lead.owner, lead.team) == (rep, north)
    assert lead.email == "ana.lima@example.com"
    assert lead.phone == "+49301234567"
    assert lead.company_key == "lima logistics"
    assert form.submissions.get().outcome == SubmissionOutcome.ACCEPTED


def test_a_form_without_owner_leaves_the_lead_in_the_team_queue(north):
    form = CaptureFormFactory(default_team=north)
    lead = lead_capture_from_form(form, data=VISITOR, ip="203.0.113.5")
    assert lead.owner is None
    assert lead.team == north


def test_unknown_fields_sent_by_the_page_are_ignored(form):
    lead = lead_capture_from_form(
        form, data={**VISITOR, "csrfmiddlewaretoken": "x", "status": "converted"}, ip=None
    )
    assert lead.status == "new"


def test_a_filled_honeypot_is_refused_and_creates_no_lead(form):
    with pytest.raises(CaptureRefused) as exc:
        lead_capture_from_form(form, data={**VISITOR, "website_url": "http://spam"}, ip="1.2.3.4")
    assert exc.value.reason == SubmissionOutcome.SPAM
    assert not Lead.objects.exists()
    assert form.submissions.get().outcome == SubmissionOutcome.SPAM


def test_an_address_over_the_limit_is_refused_until_the_window_passes(form):
    form.max_submissions_per_ip = 2
    form.save()
    now = timezone.now()
    for minute in (0, 1):
        lead_capture_from_form(
            form, data=VISITOR, ip="198.51.100.7", at=now + dt.timedelta(minutes=minute)
        )
    with pytest.raises(CaptureRefused) as exc:
        lead_capture_from_form(
            form, data=VISITOR, ip="198.51.100.7", at=now + dt.timedelta(minutes=2)
        )
    assert exc.value.reason == SubmissionOutcome.RATE_LIMITED
    assert Lead.objects.count() == 2
    # Another address is not affected, and the first one may send again after 10 minutes.
    lead_capture_from_form(form, data=VISITOR, ip="198.51.100.8", at=now + dt.timedelta(minutes=2))
    lead_capture_from_form(form, data=VISITOR, ip="198.51.100.7", at=now + dt.timedelta(minutes=11))
    assert Lead.objects.count() == 4


def test_an_inactive_form_is_refused(form):
    form.is_active = False
    form.save()
    with pytest.raises(CaptureRefused) as exc:
        lead_capture_from_form(form, data=VISITOR, ip="1.2.3.4")
    assert exc.value.reason == SubmissionOutcome.CLOSED
    assert not Lead.objects.exists()


def test_a_malformed_email_is_refused_naming_the_field_and_recorded(form):
    with pytest.raises(ValidationError) as exc:
        lead_capture_from_form(form, data={**VISITOR, "email": "ana@"}, ip="1.2.3.4")
    assert "email" in exc.value.message_dict
    assert not Lead.objects.exists()
    assert form.submissions.get().outcome == SubmissionOutcome.INVALID


def test_a_submission_with_nothing_to_identify_the_person_is_refused(form):
    with pytest.raises(ValidationError) as exc:
        lead_capture_from_form(form, data={"website_url": ""}, ip="1.2.3.4")
    assert "last_name" in exc.value.message_dict


def test_every_form_gets_its_own_random_key():
    keys = {CaptureFormFactory().form_key for _ in range(5)}
    assert len(keys) == 5
    assert all(len(key) >= 20 for key in keys)


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not-an-email"), ("phone", "12"), ("phone", "call me")]
)
def test_manual_capture_names_a_malformed_email_or_phone(rep, field, value):
    with pytest.raises(ValidationError) as exc:
        lead_create(acting_user=rep, last_name="Ng", source="seo", **{field: value})
    assert field in exc.value.message_dict
    assert not FormSubmission.objects.exists()


def test_manual_capture_stores_the_company_key(rep):
    lead = lead_create(acting_user=rep, company="The Initech Corp.", source="referral")
    assert lead.company_key == "initech"
    assert lead.channel == "inbound"
