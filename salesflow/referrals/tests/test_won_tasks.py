"""After a won deal: ask the customer for a referral; when a referred deal is won, thank the
referrer. Each once, however often the deal is reopened and won again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.pipeline.models import Outcome
from salesflow.pipeline.services import deal_close, deal_reopen
from salesflow.pipeline.tests.factories import ungated_deal
from salesflow.referrals.services import REFERRAL_ASK_AFTER_DAYS, referral_record
from salesflow.users.models import Visibility
from tests.factories import ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def asks(deal):
    return Activity.objects.filter(deal=deal, subject__startswith="Ask ")


def thanks():
    return Activity.objects.filter(subject__startswith="Thank ")


def test_a_won_deal_gives_its_owner_a_task_to_ask_for_a_referral(rep, teammate):
    buyer = ContactFactory(owner=rep, first_name="Ada", last_name="Lovelace")
    deal = ungated_deal(owner=rep, primary_contact=buyer)
    before = timezone.now()
    deal_close(deal, outcome=Outcome.WON, acting_user=teammate)
    task = asks(deal).get()
    assert task.subject == "Ask Ada Lovelace for a referral"
    assert (task.type, task.owner, task.contact, task.done_at) == ("task", rep, buyer, None)
    days = dt.timedelta(days=REFERRAL_ASK_AFTER_DAYS)
    assert before + days <= task.due_at <= timezone.now() + days


def test_the_ask_waits_as_long_as_the_site_says(rep, settings):
    settings.SALESFLOW_REFERRAL_ASK_AFTER_DAYS = 21
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert asks(deal).get().due_at > timezone.now() + dt.timedelta(days=20)


def test_a_lost_deal_asks_nobody(rep):
    from tests.factories import lost_reason

    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())
    assert not asks(deal).exists()


def test_winning_again_after_a_reopen_adds_no_second_ask_or_thanks(rep):
    deal = ungated_deal(owner=rep)
    referral_record(acting_user=rep, referrer_contact=ContactFactory(owner=rep), deal=deal)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    deal.refresh_from_db()
    deal_reopen(deal, acting_user=rep)
    deal.refresh_from_db()
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert asks(deal).count() == 1
    assert thanks().count() == 1


def test_a_deleted_ask_is_not_made_again(rep):
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    asks(deal).delete()
    deal.refresh_from_db()
    deal_reopen(deal, acting_user=rep)
    deal.refresh_from_db()
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert not asks(deal).exists()


def test_the_referrer_contacts_owner_is_asked_to_say_thank_you(rep, outsider):
    """The referrer belongs to a rep of another team: the thanks are theirs to say."""
    grace = ContactFactory(
        owner=outsider, first_name="Grace", last_name="Hopper", visibility=Visibility.EVERYONE
    )
    deal = ungated_deal(owner=rep, name="Fleet renewal")
    referral_record(acting_user=rep, referrer_contact=grace, deal=deal)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    task = thanks().get()
    assert task.subject == "Thank Grace Hopper for referring Fleet renewal"
    assert (task.owner, task.contact, task.type, task.done_at) == (outsider, grace, "task", None)


def test_a_deal_converted_from_a_referred_lead_thanks_the_referrer(rep):
    lead = LeadFactory(owner=rep)
    happy = ContactFactory(owner=rep, first_name="Alan", last_name="Turing")
    referral_record(acting_user=rep, referrer_contact=happy, lead=lead)
    deal = ungated_deal(owner=rep, lead=lead, name="From the lead")
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert thanks().get().subject == "Thank Alan Turing for referring From the lead"


def test_a_deal_of_a_referred_account_thanks_the_referrer(rep):
    happy = ContactFactory(owner=rep, first_name="Alan", last_name="Kay")
    deal = ungated_deal(owner=rep, name="Smalltalk")
    referral_record(acting_user=rep, referrer_contact=happy, account=deal.account)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert thanks().get().subject == "Thank Alan Kay for referring Smalltalk"


def test_an_unreferred_win_thanks_nobody(rep):
    deal = ungated_deal(owner=rep)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert not thanks().exists()


def test_a_referrer_without_an_active_owner_is_thanked_by_who_recorded_it(rep, teammate):
    gone = UserFactory(username="gone", is_active=False, team=rep.teams.first())
    happy = ContactFactory(owner=gone, visibility=Visibility.TEAM, team=rep.teams.first())
    deal = ungated_deal(owner=rep)
    referral_record(acting_user=teammate, referrer_contact=happy, deal=deal)
    deal_close(deal, outcome=Outcome.WON, acting_user=rep)
    assert thanks().get().owner == teammate
