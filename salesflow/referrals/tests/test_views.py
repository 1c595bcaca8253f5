"""The referral panels on the lead, account, deal and contact pages, and their form."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import client_for
from salesflow.pipeline.models import Outcome
from salesflow.referrals.models import Referral
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_a_rep_records_the_referrer_on_the_deal_page_and_sees_it(rep, rep_client):
    deal = DealFactory(owner=rep)
    happy = ContactFactory(owner=rep, first_name="Happy", last_name="Customer")
    response = rep_client.post(
        f"/referrals/deals/{deal.pk}/", {"referrer_contact": happy.pk, "note": "Met at a fair"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#panel-referrals")
    referral = Referral.objects.get()
    assert (referral.deal, referral.referrer_contact, referral.note) == (
        deal,
        happy,
        "Met at a fair",
    )
    body = rep_client.get(deal.get_absolute_url()).content.decode()
    assert "Referred by" in body and "Happy Customer" in body and "Met at a fair" in body


@pytest.mark.parametrize("kind", ["lead", "account"])
def test_the_lead_and_account_pages_record_referrals_too(kind, rep, rep_client):
    record = LeadFactory(owner=rep) if kind == "lead" else AccountFactory(owner=rep)
    partner = AccountFactory(owner=rep, name="Partner Co")
    page = record.get_absolute_url()
    assert f"/referrals/{kind}s/{record.pk}/" in rep_client.get(page).content.decode()
    form_page = rep_client.get(f"/referrals/{kind}s/{record.pk}/").content.decode()
    assert "Partner Co" in form_page and 'name="referrer_contact"' in form_page
    rep_client.post(f"/referrals/{kind}s/{record.pk}/", {"referrer_account": partner.pk})
    assert getattr(Referral.objects.get(), kind) == record
    assert "Partner Co" in rep_client.get(page).content.decode()


def test_a_form_without_referrer_records_nothing_and_says_why(rep, rep_client):
    deal = DealFactory(owner=rep)
    response = rep_client.post(f"/referrals/deals/{deal.pk}/", {"note": "?"})
    assert response.status_code == 200
    assert "Name who referred it" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_refusal_of_the_service_shows_on_the_form(rep, rep_client):
    deal = DealFactory(owner=rep)
    happy = ContactFactory(owner=rep)
    Referral.objects.create(referrer_contact=happy, deal=deal, referred_on=timezone.localdate())
    response = rep_client.post(f"/referrals/deals/{deal.pk}/", {"referrer_contact": happy.pk})
    assert "recorded already" in response.content.decode()
    assert Referral.objects.count() == 1


def test_a_read_only_reader_gets_no_form_and_is_refused(rep, outsider):
    deal = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    happy = ContactFactory(owner=rep)
    client = client_for(rep)
    assert "Record who referred it" not in client.get(deal.get_absolute_url()).content.decode()
    assert client.get(f"/referrals/deals/{deal.pk}/").status_code == 403
    response = client.post(f"/referrals/deals/{deal.pk}/", {"referrer_contact": happy.pk})
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_the_deal_shows_who_referred_the_lead_it_came_from(rep, rep_client):
    lead = LeadFactory(owner=rep, last_name="Origin")
    Referral.objects.create(
        referrer_contact=ContactFactory(owner=rep, first_name="Lead", last_name="Referrer"),
        lead=lead, referred_on=timezone.localdate(),
    )  # fmt: skip
    deal = DealFactory(owner=rep, lead=lead)
    body = rep_client.get(deal.get_absolute_url()).content.decode()
    assert "Lead Referrer" in body and "through lead" in body


def test_a_referrer_the_viewer_may_not_read_is_not_shown(rep, outsider):
    deal = DealFactory(owner=rep, visibility=Visibility.EVERYONE)
    secret = ContactFactory(owner=outsider, last_name="Secretive", visibility=Visibility.PRIVATE)
    Referral.objects.create(referrer_contact=secret, deal=deal, referred_on=timezone.localdate())
    assert "Secretive" not in client_for(rep).get(deal.get_absolute_url()).content.decode()
    assert "Secretive" in client_for(outsider).get(deal.get_absolute_url()).content.decode()


def test_the_referrer_contact_page_counts_referrals_made_and_won(rep, rep_client):
    happy = ContactFactory(owner=rep)
    won = DealFactory(
        owner=rep, name="Won deal", outcome=Outcome.WON, amount=4200, closed_at=timezone.now()
    )
    for target in ({"deal": won}, {"lead": LeadFactory(owner=rep)}):
        Referral.objects.create(referrer_contact=happy, referred_on=timezone.localdate(), **target)
    body = rep_client.get(happy.get_absolute_url()).content.decode()
    assert "Referrals made: <strong>2</strong>" in body
    assert "won: <strong>1</strong> (EUR 4,200)" in body
    assert "Won deal" in body


def test_a_writer_removes_a_referral(rep, rep_client):
    deal = DealFactory(owner=rep)
    referral = Referral.objects.create(
        referrer_contact=ContactFactory(owner=rep), deal=deal, referred_on=timezone.localdate()
    )
    response = rep_client.post(f"/referrals/{referral.pk}/delete/")
    assert response.status_code == 302 and not Referral.objects.exists()
