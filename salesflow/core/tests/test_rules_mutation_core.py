"""Downloads at the level a browser sees them (issue 14, mutation testing): a CSV export is a
UTF-8 CSV attachment the browser may not sniff into something else."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError

from salesflow.core import exports
from salesflow.core.errors import ConflictError
from salesflow.leads.models import Lead
from salesflow.leads.services import lead_update
from tests.factories import CampaignFactory, LeadFactory


def test_a_csv_download_is_an_attachment_of_utf8_csv_that_is_never_sniffed():
    response = exports.csv_response("leads.csv", ["name", "note"], [("Ada", "=1+1"), ("Bob", True)])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="leads.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheet programs then read UTF-8
    assert list(csv.reader(io.StringIO(body.lstrip("\ufeff")))) == [
        ["name", "note"], ["Ada", "'=1+1"], ["Bob", "yes"],
    ]  # fmt: skip


def test_a_false_cell_reads_no():
    body = b"".join(exports.csv_response("x.csv", ["done"], [(False,)]).streaming_content)
    assert body.decode("utf-8").lstrip("\ufeff").splitlines() == ["done", "no"]


@pytest.mark.django_db
def test_a_save_from_a_stale_version_says_why_nothing_was_saved_and_changes_nothing(rep):
    lead = LeadFactory(owner=rep, last_name="Lima", notes="first")
    stale = lead.version
    lead_update(lead, acting_user=rep, expected_version=stale, notes="second")

    old = Lead.objects.get(pk=lead.pk)
    old.version = stale  # what the second person read
    with pytest.raises(ConflictError) as refused:
        lead_update(old, acting_user=rep, expected_version=stale, notes="third")

    assert str(refused.value) == (
        "This lead was changed by someone else while you edited it, so nothing was saved. "
        "Look at it again and repeat your change."
    )
    fresh = Lead.objects.get(pk=lead.pk)  # read after the first save, sent with the old version
    with pytest.raises(ConflictError) as refused:
        lead_update(fresh, acting_user=rep, expected_version=stale, notes="fourth")

    assert str(refused.value) == (
        "This lead was changed by someone else since you opened it, so nothing was saved. "
        "Look at it again and repeat your change."
    )
    lead.refresh_from_db()
    assert (lead.notes, lead.version) == ("second", stale + 1)


@pytest.mark.django_db
def test_a_field_the_service_does_not_take_is_refused_by_name_and_nothing_changes(rep):
    lead = LeadFactory(owner=rep, last_name="Lima")
    version = lead.version

    with pytest.raises(ValidationError) as refused:
        lead_update(lead, acting_user=rep, notes="new", score=99)

    assert refused.value.message_dict == {"score": ["This field cannot be set here."]}
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.notes, lead.version) == ("", version)


@pytest.mark.django_db
def test_saving_the_same_related_record_again_changes_nothing(rep):
    campaign = CampaignFactory()
    lead = LeadFactory(owner=rep, last_name="Lima")
    lead = lead_update(lead, acting_user=rep, campaign=campaign)
    version = lead.version

    lead_update(Lead.objects.get(pk=lead.pk), acting_user=rep, campaign=campaign)
    lead_update(Lead.objects.get(pk=lead.pk), acting_user=rep, campaign=campaign.pk)

    assert Lead.objects.get(pk=lead.pk).version == version
    # The same campaign beside a real change: the change is saved; another campaign by its id.
    other = CampaignFactory()
    lead_update(Lead.objects.get(pk=lead.pk), acting_user=rep, campaign=campaign, notes="met")
    lead_update(Lead.objects.get(pk=lead.pk), acting_user=rep, campaign=other.pk)
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.notes, lead.campaign, lead.version) == ("met", other, version + 2)


@pytest.mark.django_db
def test_an_edit_moves_the_last_changed_time(rep):
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        lead = LeadFactory(owner=rep, last_name="Lima")
    with time_machine.travel(dt.datetime(2026, 2, 5, 9, tzinfo=dt.UTC), tick=False):
        lead_update(lead, acting_user=rep, notes="called")

    lead.refresh_from_db()
    assert lead.updated_at == dt.datetime(2026, 2, 5, 9, tzinfo=dt.UTC)


# Session 13: `instance_save_versioned` saves only the changed fields (docs/testing.md).


@pytest.mark.django_db
def test_an_edit_keeps_what_another_write_set_meanwhile_without_a_new_version(rep):
    lead = LeadFactory(owner=rep, title="Buyer")
    opened = Lead.objects.get(pk=lead.pk)  # the rep opens the edit form
    answered = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    # Meanwhile a call is logged: the first response time is set by a direct UPDATE.
    Lead.objects.filter(pk=lead.pk).update(first_response_at=answered)

    lead_update(opened, acting_user=rep, title="Head of Purchasing")

    lead.refresh_from_db()
    assert (lead.title, lead.first_response_at) == ("Head of Purchasing", answered)
