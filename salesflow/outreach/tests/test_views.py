"""The pages: a single email from a contact or deal page, segments, templates, campaigns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesflow.activities.models import Activity
from salesflow.outreach.models import Mailing, Segment
from salesflow.outreach.tests.conftest import contact
from salesflow.pipeline.models import DealStakeholder
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_a_rep_emails_a_contact_from_its_page(rep, rep_client, template, smtp_server):
    ada = contact(rep, "ada@example.org", first_name="Ada", has_consent=False)
    page = rep_client.get(ada.get_absolute_url())
    url = reverse("outreach:contact-email", args=[ada.pk])
    assert url in page.content.decode()
    response = rep_client.post(url, {"contact": ada.pk, "subject": "Hi {{ first_name }}",
                                      "body": "About our call."})  # fmt: skip
    assert response.status_code == 302
    # A one-to-one email needs no marketing consent.
    mail = smtp_server.to("ada@example.org")[0]
    assert (mail.subject, mail.text().strip()) == ("Hi Ada", "About our call.")
    activity = Activity.objects.get(contact=ada)
    assert (activity.type, activity.subject, activity.owner) == ("email", "Hi Ada", rep)
    assert activity.done_at is not None


def test_do_not_contact_is_refused_with_a_clear_message(rep, rep_client, smtp_server):
    ada = contact(rep, "dnc@example.org", do_not_contact=True)
    url = reverse("outreach:contact-email", args=[ada.pk])
    response = rep_client.post(url, {"contact": ada.pk, "subject": "Hi", "body": "Hello"})
    assert response.status_code == 200
    assert "do not contact" in response.content.decode()
    assert smtp_server.received == []
    assert not Activity.objects.exists()


def test_a_mail_server_that_is_down_is_shown_and_nothing_recorded(rep, rep_client, smtp_server):
    ada = contact(rep, "ada@example.org")
    smtp_server.stop()
    url = reverse("outreach:contact-email", args=[ada.pk])
    response = rep_client.post(url, {"contact": ada.pk, "subject": "Hi", "body": "Hello"})
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_rep_emails_a_stakeholder_from_the_deal_page(rep, rep_client, template, smtp_server):
    deal = DealFactory(owner=rep)
    champion = ContactFactory(owner=rep, account=deal.account, email="champ@example.org",
                              first_name="Cham")  # fmt: skip
    DealStakeholder.objects.create(deal=deal, contact=champion, role="champion")
    url = reverse("outreach:deal-email", args=[deal.pk])
    assert url in rep_client.get(deal.get_absolute_url()).content.decode()
    response = rep_client.post(url, {"contact": champion.pk, "template": template.pk})
    assert response.status_code == 302
    mail = smtp_server.to("champ@example.org")[0]
    assert "Hello Cham," in mail.text()
    activity = Activity.objects.get(contact=champion)
    assert activity.deal == deal


def test_a_deal_email_cannot_go_to_someone_outside_the_deal(rep, rep_client, smtp_server):
    deal = DealFactory(owner=rep)
    stranger = ContactFactory(owner=rep, email="stranger@example.org")
    url = reverse("outreach:deal-email", args=[deal.pk])
    response = rep_client.post(url, {"contact": stranger.pk, "subject": "Hi", "body": "x"})
    assert response.status_code == 200
    assert smtp_server.received == []


def test_segment_page_previews_count_and_sample(rep, rep_client):
    contact(rep, "a@example.org", last_name="Alpha")
    response = rep_client.post(
        reverse("outreach:segment-create"),
        {"name": "Software", "visibility": "team", "industry": "Software, Retail"},
    )
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert segment.filters["industry"] == ["Software", "Retail"]
    page = rep_client.get(segment.get_absolute_url()).content.decode()
    assert "<strong>1</strong> contact" in page and "Alpha" in page


def test_template_with_an_unknown_merge_field_is_not_saved(rep_client):
    response = rep_client.post(
        reverse("outreach:template-create"),
        {"name": "T", "subject": "S", "body_text": "Hi {{ nickname }}", "visibility": "team"},
    )
    assert response.status_code == 200
    assert "{{ nickname }}" in response.content.decode()


def test_campaign_page_sends_and_shows_the_counts(
    rep, rep_client, template, segment, smtp_server, django_capture_on_commit_callbacks
):
    contact(rep, "yes@example.org")
    contact(rep, "no@example.org", do_not_contact=True)
    rep_client.post(
        reverse("outreach:campaign-create"),
        {"name": "Launch", "kind": "product_update", "template": template.pk,
         "segment": segment.pk, "visibility": "team"},
    )  # fmt: skip
    mailing = Mailing.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(reverse("outreach:campaign-send", args=[mailing.pk]))
    assert response.status_code == 302
    from salesflow.outreach.services import mailing_send_batch

    mailing_send_batch(mailing.pk)
    page = rep_client.get(mailing.get_absolute_url()).content.decode()
    assert "Do not contact: 1" in page
    assert smtp_server.recipients() == {"yes@example.org"}


def test_list_pages_keep_their_query_count(
    rep, rep_client, template, segment, mailing, django_assert_max_num_queries
):
    for name in ("campaign-list", "segment-list", "template-list"):
        with django_assert_max_num_queries(12):
            assert rep_client.get(reverse(f"outreach:{name}")).status_code == 200


def test_a_contact_seen_only_through_a_deal_is_not_offered_nor_emailed(rep, outsider, smtp_server):
    from conftest import client_for

    stranger = ContactFactory(owner=outsider, email="stranger@example.org", visibility="private")
    deal = DealFactory(owner=rep, primary_contact=stranger)
    client = client_for(rep)
    response = client.post(
        reverse("outreach:deal-email", args=[deal.pk]),
        {"contact": stranger.pk, "subject": "Hi", "body": "x"},
    )
    assert response.status_code == 200
    refused = client.post(
        reverse("outreach:contact-email", args=[stranger.pk]),
        {"contact": stranger.pk, "subject": "Hi", "body": "x"},
    )
    assert refused.status_code == 200 and "cannot email" in refused.content.decode()
    assert smtp_server.received == []
    assert not Activity.objects.exists()


def test_sending_again_from_a_second_tab_sends_nobody_twice(
    rep, rep_client, mailing, smtp_server, django_capture_on_commit_callbacks
):
    from salesflow.outreach.models import Recipient
    from salesflow.outreach.services import mailing_send_batch

    contact(rep, "once@example.org")
    url = reverse("outreach:campaign-send", args=[mailing.pk])
    assert "Send" in rep_client.get(url).content.decode()  # both tabs show the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(url, follow=True)
    assert "sent already" in response.content.decode()
    assert Recipient.objects.filter(mailing=mailing).count() == 1
    mailing_send_batch(mailing.pk)
    mailing_send_batch(mailing.pk)
    assert [m.envelope_to for m in smtp_server.received] == [["once@example.org"]]
