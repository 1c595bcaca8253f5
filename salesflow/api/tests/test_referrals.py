"""The referrals API: list, record, read, remove, and the leaderboard."""

from __future__ import annotations

import pytest
from django.utils import timezone

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.pipeline.models import Outcome
from salesflow.referrals.models import Referral
from salesflow.users.models import Visibility
from tests.factories import ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def refer(referrer, **target):
    return Referral.objects.create(
        referrer_contact=referrer, referred_on=timezone.localdate(), **target
    )


def test_a_rep_records_a_referral_of_a_lead(api_as, rep):
    lead = LeadFactory(owner=rep)
    happy = ContactFactory(owner=rep, first_name="Ada", last_name="Byron")
    response = api_as(rep).post(
        "/referrals",
        {"referrer_contact_id": happy.pk, "lead_id": lead.pk, "note": "Her cousin",
         "referred_on": "2026-01-15"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["referrer_name"] == "Ada Byron" and body["target_kind"] == "lead"
    assert body["lead_id"] == lead.pk and body["referred_on"] == "2026-01-15"
    assert (body["converted"], body["won_count"], body["recorded_by_id"]) == (False, 0, rep.pk)


def test_two_targets_or_none_answer_422_naming_the_target(api_as, rep):
    happy = ContactFactory(owner=rep)
    two = {"referrer_contact_id": happy.pk, "lead_id": LeadFactory(owner=rep).pk,
           "deal_id": DealFactory(owner=rep).pk}  # fmt: skip
    assert "target" in invalid_fields(api_as(rep).post("/referrals", two))
    none = {"referrer_contact_id": happy.pk}
    assert "target" in invalid_fields(api_as(rep).post("/referrals", none))
    assert not Referral.objects.exists()


def test_a_referrer_the_rep_cannot_see_answers_422(api_as, rep, outsider):
    hidden = ContactFactory(owner=outsider, visibility=Visibility.PRIVATE)
    body = {"referrer_contact_id": hidden.pk, "deal_id": DealFactory(owner=rep).pk}
    assert "referrer_contact_id" in invalid_fields(api_as(rep).post("/referrals", body))


def test_recording_on_a_read_only_deal_answers_403(api_as, rep, outsider):
    deal = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    body = {"referrer_contact_id": ContactFactory(owner=rep).pk, "deal_id": deal.pk}
    assert api_as(rep).post("/referrals", body).status_code == 403
    assert not Referral.objects.exists()


def test_the_list_filters_by_referrer_and_target_and_hides_others(api_as, rep, outsider):
    ada, bob = ContactFactory(owner=rep), ContactFactory(owner=rep)
    deal = DealFactory(owner=rep)
    mine = refer(ada, deal=deal)
    other = refer(bob, lead=LeadFactory(owner=rep))
    hidden = refer(ContactFactory(owner=outsider), deal=DealFactory(owner=outsider))
    api = api_as(rep)
    assert ids(api.get("/referrals")) == {mine.pk, other.pk}
    assert ids(api.get("/referrals", {"referrer_contact_id": ada.pk})) == {mine.pk}
    assert ids(api.get("/referrals", {"deal_id": deal.pk})) == {mine.pk}
    assert api.get(f"/referrals/{hidden.pk}").status_code == 404


def test_a_referral_reads_what_its_deals_won(api_as, rep):
    lead = LeadFactory(owner=rep)
    DealFactory(owner=rep, lead=lead, outcome=Outcome.WON, amount=700, closed_at=timezone.now())
    referral = refer(ContactFactory(owner=rep), lead=lead)
    body = api_as(rep).get(f"/referrals/{referral.pk}").json()
    assert (body["converted"], body["won_count"], body["won_amount"]) == (True, 1, "700.00")


def test_a_writer_deletes_a_reader_may_not(api_as, rep, outsider):
    shared = refer(
        ContactFactory(owner=outsider, visibility=Visibility.EVERYONE),
        deal=DealFactory(owner=outsider, visibility=Visibility.EVERYONE),
    )
    assert api_as(rep).delete(f"/referrals/{shared.pk}").status_code == 403
    assert Referral.objects.filter(pk=shared.pk).exists()
    assert api_as(outsider).delete(f"/referrals/{shared.pk}").status_code == 204
    assert not Referral.objects.exists()


def test_the_leaderboard_ranks_referrers(api_as, rep):
    ada = ContactFactory(owner=rep, first_name="Ada", last_name="Byron")
    bob = ContactFactory(owner=rep, first_name="Bob", last_name="Kahn")
    refer(ada, deal=DealFactory(owner=rep, outcome=Outcome.WON, amount=5, closed_at=timezone.now()))
    refer(ada, lead=LeadFactory(owner=rep))
    refer(bob, lead=LeadFactory(owner=rep))
    body = api_as(rep).get("/referrals/leaderboard").json()
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["referrer_contact_id"], first["referrals"], first["won_count"]) == (ada.pk, 2, 1)
    assert (second["name"], second["converted"], second["won_amount"]) == ("Bob Kahn", 0, "0.00")


def test_the_list_costs_the_same_queries_for_many_referrals(
    api_as, rep, django_assert_max_num_queries
):
    for _ in range(25):
        refer(ContactFactory(owner=rep), deal=DealFactory(owner=rep))
    api = api_as(rep)
    with django_assert_max_num_queries(8):
        response = api.get("/referrals")
    assert response.json()["count"] == 25
