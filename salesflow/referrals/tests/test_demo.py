"""The demo data holds referrers whose referrals were won, and topics to talk about."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import F

from salesflow.customers.models import Contact
from salesflow.referrals.models import Referral
from salesflow.referrals.selectors import referrers_leaderboard
from salesflow.users.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_referrers_with_won_referrals_and_topics(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--scale", "0.02", stdout=io.StringIO())
    assert Referral.objects.filter(deal__isnull=False).exists()
    assert Referral.objects.filter(lead__isnull=False).exists()
    admin = User.objects.filter(role="admin").first()
    rows = referrers_leaderboard(admin)
    assert len(rows) >= 3 and any(row.won_count for row in rows)
    assert Contact.objects.exclude(topics="").count() > Contact.objects.count() // 4
    # Nobody refers their own company.
    assert not Referral.objects.filter(deal__account=F("referrer_contact__account")).exists()
