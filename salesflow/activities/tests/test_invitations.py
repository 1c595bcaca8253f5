"""Invitations: an activity with a reason (admin-defined) and the customer's answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity, InvitationReason
from salesflow.activities.services import (
    activity_complete,
    activity_create,
    activity_update,
    invitation_reason_create,
    invitation_reason_update,
)
from salesflow.core.errors import AccessDenied
from tests.factories import ActivityFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep)


@pytest.fixture
def webinar():
    return InvitationReason.objects.get(name="Webinar")


def test_the_seeded_reasons_are_there():
    names = set(InvitationReason.objects.values_list("name", flat=True))
    assert {
        "New case study in your industry",
        "Free assessment",
        "Product launch event",
        "Webinar",
    } <= names


def test_an_invitation_needs_a_reason(rep, deal):
    with pytest.raises(ValidationError) as refused:
        activity_create(acting_user=rep, type="invitation", subject="Come along", deal=deal)
    assert "invitation_reason" in refused.value.message_dict
    assert not Activity.objects.filter(subject="Come along").exists()


def test_reason_and_answer_belong_to_invitations_only(rep, deal, webinar):
    with pytest.raises(ValidationError) as refused:
        activity_create(
            acting_user=rep,
            type="call",
            subject="Call",
            deal=deal,
            invitation_reason=webinar,
            invitation_outcome="accepted",
        )
    assert set(refused.value.message_dict) == {"invitation_reason", "invitation_outcome"}
    call = ActivityFactory(owner=rep, deal=deal)
    with pytest.raises(ValidationError):
        activity_complete(call, acting_user=rep, invitation_outcome="accepted")
    call.refresh_from_db()
    assert call.done_at is None and call.invitation_outcome == ""


def test_a_retired_reason_is_refused_for_new_invitations_but_kept_on_old_ones(
    rep, admin_user, deal, webinar
):
    invitation = activity_create(
        acting_user=rep, type="invitation", subject="Webinar", deal=deal, invitation_reason=webinar
    )
    invitation_reason_update(webinar, acting_user=admin_user, is_active=False)
    with pytest.raises(ValidationError):
        activity_create(
            acting_user=rep,
            type="invitation",
            subject="Again",
            deal=deal,
            invitation_reason=webinar,
        )
    invitation.refresh_from_db()
    activity_update(invitation, acting_user=rep, invitation_outcome="declined", subject="Webinar 2")
    invitation.refresh_from_db()
    assert (invitation.invitation_reason, invitation.invitation_outcome) == (webinar, "declined")


def test_changing_an_invitation_into_a_call_drops_its_reason_and_answer(rep, deal, webinar):
    invitation = activity_create(
        acting_user=rep,
        type="invitation",
        subject="Webinar",
        deal=deal,
        invitation_reason=webinar,
        invitation_outcome="accepted",
    )
    activity_update(invitation, acting_user=rep, type="call")
    invitation.refresh_from_db()
    assert (invitation.invitation_reason, invitation.invitation_outcome) == (None, "")


def test_completing_an_invitation_records_the_answer(rep, deal, webinar):
    invitation = activity_create(
        acting_user=rep, type="invitation", subject="Webinar", deal=deal, invitation_reason=webinar
    )
    activity_complete(invitation, acting_user=rep, invitation_outcome="rescheduled")
    invitation.refresh_from_db()
    assert invitation.is_done and invitation.invitation_outcome == "rescheduled"


def test_only_admins_write_reasons(rep, admin_user):
    with pytest.raises(AccessDenied):
        invitation_reason_create(acting_user=rep, name="Site tour")
    reason = invitation_reason_create(acting_user=admin_user, name="  Site tour ")
    assert reason.name == "Site tour" and reason.is_active
    with pytest.raises(ValidationError):
        invitation_reason_create(acting_user=admin_user, name="Site tour")


# Pages ----------------------------------------------------------------------------------------


def test_the_form_logs_an_invitation_with_its_reason(rep_client, rep, deal, webinar):
    response = rep_client.post(
        reverse("activities:activity-create") + f"?deal={deal.pk}",
        {
            "type": "invitation",
            "subject": "Invite to the webinar",
            "invitation_reason": webinar.pk,
            "invitation_outcome": "accepted",
            "deal": deal.pk,
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    invitation = Activity.objects.get(subject="Invite to the webinar")
    assert (invitation.invitation_reason, invitation.invitation_outcome) == (webinar, "accepted")


def test_the_form_refuses_an_invitation_without_a_reason(rep_client, rep, deal):
    response = rep_client.post(
        reverse("activities:activity-create") + f"?deal={deal.pk}",
        {
            "type": "invitation",
            "subject": "No reason",
            "deal": deal.pk,
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    assert response.status_code == 200
    assert "Say why the customer is invited." in response.content.decode()
    assert not Activity.objects.filter(subject="No reason").exists()


def test_the_form_ignores_invitation_fields_left_on_a_call(rep_client, rep, deal, webinar):
    rep_client.post(
        reverse("activities:activity-create") + f"?deal={deal.pk}",
        {
            "type": "call",
            "subject": "Plain call",
            "invitation_reason": webinar.pk,
            "deal": deal.pk,
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    assert Activity.objects.get(subject="Plain call").invitation_reason is None


def test_admins_add_rename_and_retire_reasons(admin_user, webinar):
    client = client_for(admin_user)
    response = client.post(reverse("activities:invitation-reasons"), {"name": "Site tour"})
    assert response.status_code == 302
    assert InvitationReason.objects.filter(name="Site tour", is_active=True).exists()
    page = client.get(reverse("activities:invitation-reasons")).content.decode()
    assert "Site tour" in page and "Invitation reasons" in page
    response = client.post(
        reverse("activities:invitation-reason-edit", args=[webinar.pk]),
        {"name": "Webinar series"},  # the unchecked box retires it
    )
    assert response.status_code == 302
    webinar.refresh_from_db()
    assert (webinar.name, webinar.is_active) == ("Webinar series", False)


def test_reps_cannot_open_the_reason_settings(rep_client, webinar):
    assert rep_client.get(reverse("activities:invitation-reasons")).status_code == 403
    response = rep_client.post(
        reverse("activities:invitation-reason-edit", args=[webinar.pk]), {"name": "Hacked"}
    )
    assert response.status_code == 403
    webinar.refresh_from_db()
    assert webinar.name == "Webinar"
