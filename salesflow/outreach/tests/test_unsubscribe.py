"""The unsubscribe link: works without signing in, signed, tamper-proof."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client

from salesflow.outreach.models import Recipient, Unsubscription
from salesflow.outreach.services import (
    mailing_send,
    mailing_send_batch,
    unsubscribe_path,
    unsubscribe_token,
)
from salesflow.outreach.tests.conftest import contact

pytestmark = pytest.mark.django_db


def _link_in(mail) -> str:
    return re.search(r"https?://[^/\s]+(/outreach/unsubscribe/\S+/)", mail.text()).group(1)


def test_the_link_in_the_email_unsubscribes_without_signing_in(
    rep, mailing, template, segment, smtp_server
):
    ada = contact(rep, "ada@example.org")
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    path = _link_in(smtp_server.to("ada@example.org")[0])
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get(path)
    assert page.status_code == 200
    assert "ada@example.org" in page.content.decode()
    ada.refresh_from_db()
    assert ada.has_consent  # GET never writes

    done = visitor.post(path)
    assert done.status_code == 200
    assert "unsubscribed" in done.content.decode()
    ada.refresh_from_db()
    assert not ada.has_consent
    unsubscription = Unsubscription.objects.get(contact=ada)
    assert unsubscription.mailing == mailing and unsubscription.unsubscribed_at

    # The next campaign skips her, and says why.
    from salesflow.outreach.services import mailing_create

    again = mailing_create(
        acting_user=rep, name="Again", kind="product_update", template=template, segment=segment
    )
    ada.has_consent = True  # consent ticked again by hand, without a new consent date
    ada.save()
    mailing_send(again, acting_user=rep)
    mailing_send_batch(again.pk)
    assert len(smtp_server.to("ada@example.org")) == 1
    assert Recipient.objects.get(mailing=again).reason == "unsubscribed"


def test_one_click_unsubscribe_by_the_mail_client(rep, mailing):
    ada = contact(rep, "ada@example.org")
    path = unsubscribe_path(unsubscribe_token(ada.pk, mailing.pk))
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    ada.refresh_from_db()
    assert not ada.has_consent


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_and_changes_nothing(rep, mailing, method):
    ada = contact(rep, "ada@example.org")
    other = contact(rep, "other@example.org")
    token = unsubscribe_token(ada.pk, mailing.pk)
    forged = signing.dumps([other.pk, mailing.pk], salt="another-salt", compress=True)
    for bad in (token[:-2] + "xx", forged, "not-a-token"):
        response = getattr(Client(), method)(unsubscribe_path(bad))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    for person in (ada, other):
        version = person.version
        person.refresh_from_db()
        assert person.has_consent and person.version == version
    assert not Unsubscription.objects.exists()
