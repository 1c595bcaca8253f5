"""Invitation success rate per rep and per reason, against figures worked out by hand, through
the report, its page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity, InvitationReason
from salesflow.analytics.registry import report_get, report_run
from salesflow.api.tests.conftest import ApiClient
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


def invite(owner, reason, answer="", *, created=None):
    invitation = ActivityFactory(
        owner=owner,
        deal=DealFactory(owner=owner),
        type="invitation",
        invitation_reason=reason,
        invitation_outcome=answer,
    )
    if created is not None:
        Activity.objects.filter(pk=invitation.pk).update(created_at=created)
    return invitation


@pytest.fixture
def reasons():
    return {
        name: InvitationReason.objects.get(name=name) for name in ("Webinar", "Free assessment")
    }


@pytest.fixture
def invitations(rep, teammate, reasons):
    webinar, assessment = reasons["Webinar"], reasons["Free assessment"]
    # The rep: 2 accepted, 1 declined, 1 no answer, 1 pending -> 2 / 4 answered.
    invite(rep, webinar, "accepted")
    invite(rep, webinar, "declined")
    invite(rep, assessment, "accepted")
    invite(rep, assessment, "no_answer")
    invite(rep, assessment)
    # The teammate: 1 accepted, 1 rescheduled -> 1 / 2.
    invite(teammate, webinar, "accepted")
    invite(teammate, webinar, "rescheduled")
    ActivityFactory(owner=rep, type="call")  # not an invitation


def rows_by_label(report):
    return {row["label"]: row for row in report.rows}


def test_success_rate_per_rep_counts_answered_invitations_only(manager, rep, invitations):
    report = report_run(report_get("invitations"), manager, {"by": "owner"})
    rows = rows_by_label(report)
    mine = rows[rep.get_full_name() or rep.username]
    assert (mine["invitations"], mine["answered"], mine["accepted"], mine["pending"]) == (
        5,
        4,
        2,
        1,
    )
    assert mine["success_rate"] == 0.5
    assert report.summary["invitations"] == 7 and report.summary["success_rate"] == 0.5


def test_success_rate_per_reason(manager, invitations):
    rows = rows_by_label(report_run(report_get("invitations"), manager, {"by": "reason"}))
    # Webinar: accepted, declined, accepted, rescheduled -> 2 / 4; assessment: 1 / 2.
    assert rows["Webinar"]["success_rate"] == 0.5 and rows["Webinar"]["invitations"] == 4
    assert rows["Free assessment"]["success_rate"] == 0.5
    assert rows["Free assessment"]["pending"] == 1


def test_a_rep_sees_only_their_own_invitations(rep, teammate, invitations):
    report = report_run(report_get("invitations"), rep, {"by": "owner"})
    assert [row["key"] for row in report.rows] == [rep.pk]
    assert report.summary["invitations"] == 5


def test_the_period_counts_invitations_by_the_day_they_were_logged(manager, rep, reasons):
    invite(rep, reasons["Webinar"], "accepted", created=dt.datetime(2025, 1, 10, tzinfo=dt.UTC))
    invite(rep, reasons["Webinar"], "declined")
    report = report_run(
        report_get("invitations"), manager, {"from": "2025-01-01", "to": "2025-01-31"}
    )
    assert report.summary["invitations"] == 1 and report.summary["success_rate"] == 1.0


def test_the_api_answers_the_figures(manager, rep, invitations):
    response = ApiClient(manager).get("/analytics/invitations", {"by": "reason"})
    assert response.status_code == 200, response.content
    body = response.json()
    webinar = next(row for row in body["rows"] if row["label"] == "Webinar")
    assert (webinar["accepted"], webinar["answered"], webinar["success_rate"]) == (2, 4, 0.5)
    assert body["success_rate"] == 0.5 and body["notes"]
    assert ApiClient(manager).get("/analytics/invitations", {"by": "colour"}).status_code == 422


def test_the_report_page_shows_the_table(manager, invitations):
    response = client_for(manager).get(reverse("analytics:report", args=["invitations"]))
    assert response.status_code == 200
    assert "Success rate" in response.content.decode()
