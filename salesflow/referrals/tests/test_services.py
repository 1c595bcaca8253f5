"""Recording and removing referrals: who may, what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.referrals.models import Referral
from salesflow.referrals.services import referral_delete, referral_record
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_a_rep_records_who_referred_their_deal(rep):
    deal = DealFactory(owner=rep)
    happy = ContactFactory(owner=rep, last_name="Happy")
    referral = referral_record(acting_user=rep, referrer_contact=happy, deal=deal, note="Golf")
    assert (referral.deal, referral.referrer_contact, referral.recorded_by) == (deal, happy, rep)
    assert referral.referred_on == timezone.localdate()
    assert referral.target == deal and referral.target_kind == "deal"


def test_an_account_alone_may_be_the_referrer_of_a_lead(rep):
    lead = LeadFactory(owner=rep)
    partner = AccountFactory(owner=rep, name="Partner Co")
    referral = referral_record(acting_user=rep, referrer_account=partner, lead=lead)
    assert referral.referrer_name == "Partner Co"


def test_a_referral_names_exactly_one_target(rep):
    happy = ContactFactory(owner=rep)
    with pytest.raises(ValidationError) as error:
        referral_record(
            acting_user=rep, referrer_contact=happy, deal=DealFactory(owner=rep),
            lead=LeadFactory(owner=rep),
        )  # fmt: skip
    assert "target" in error.value.message_dict
    with pytest.raises(ValidationError):
        referral_record(acting_user=rep, referrer_contact=happy)
    assert not Referral.objects.exists()


def test_a_referral_needs_a_referrer(rep):
    with pytest.raises(ValidationError) as error:
        referral_record(acting_user=rep, deal=DealFactory(owner=rep))
    assert "referrer_contact" in error.value.message_dict
    assert not Referral.objects.exists()


def test_a_record_the_rep_may_only_read_is_refused(rep, outsider):
    shared = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    with pytest.raises(AccessDenied):
        referral_record(acting_user=rep, referrer_contact=ContactFactory(owner=rep), deal=shared)
    assert not Referral.objects.exists()


def test_a_referrer_the_rep_may_not_see_is_refused(rep, outsider):
    hidden = ContactFactory(owner=outsider, visibility=Visibility.PRIVATE)
    with pytest.raises(ValidationError) as error:
        referral_record(acting_user=rep, referrer_contact=hidden, deal=DealFactory(owner=rep))
    assert "referrer_contact" in error.value.message_dict
    assert not Referral.objects.exists()


def test_a_referral_in_the_future_is_refused(rep):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        referral_record(
            acting_user=rep, referrer_contact=ContactFactory(owner=rep),
            deal=DealFactory(owner=rep), referred_on=tomorrow,
        )  # fmt: skip
    assert "referred_on" in error.value.message_dict


def test_the_same_referrer_is_credited_once(rep):
    lead = LeadFactory(owner=rep)
    happy = ContactFactory(owner=rep)
    referral_record(acting_user=rep, referrer_contact=happy, lead=lead)
    with pytest.raises(ValidationError):
        referral_record(acting_user=rep, referrer_contact=happy, lead=lead)
    converted = DealFactory(owner=rep, lead=lead)
    with pytest.raises(ValidationError) as error:
        referral_record(acting_user=rep, referrer_contact=happy, deal=converted)
    assert "lead this deal came from" in str(error.value)
    assert Referral.objects.count() == 1


def test_a_contact_is_credited_once_with_or_without_their_account(rep):
    """A second tab records the same contact again, this time naming their account too."""
    lead = LeadFactory(owner=rep)
    happy = ContactFactory(owner=rep)
    referral_record(acting_user=rep, referrer_contact=happy, lead=lead)
    with pytest.raises(ValidationError) as error:
        referral_record(
            acting_user=rep, referrer_contact=happy, referrer_account=happy.account, lead=lead
        )
    assert "recorded already" in str(error.value)
    # Their account alone is another referrer, credited once too.
    referral_record(acting_user=rep, referrer_account=happy.account, lead=lead)
    with pytest.raises(ValidationError):
        referral_record(acting_user=rep, referrer_account=happy.account, lead=lead)
    assert Referral.objects.count() == 2


def test_only_a_writer_of_the_target_removes_a_referral(rep, teammate, outsider):
    deal = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    referral = Referral.objects.create(
        referrer_contact=ContactFactory(owner=outsider, visibility=Visibility.EVERYONE),
        deal=deal, referred_on=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(AccessDenied):
        referral_delete(referral, acting_user=rep)
    assert Referral.objects.filter(pk=referral.pk).exists()
    referral_delete(referral, acting_user=outsider)
    assert not Referral.objects.exists()
