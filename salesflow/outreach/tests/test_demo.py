from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from salesflow.outreach.models import EmailTemplate, Mailing, Recipient, Segment

pytestmark = pytest.mark.django_db


def test_demo_has_a_segment_templates_and_a_sent_campaign(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--scale", "0.02", stdout=io.StringIO())
    assert Segment.objects.count() == 1 and EmailTemplate.objects.count() == 2
    sent = Mailing.objects.get(status="done")
    statuses = set(Recipient.objects.filter(mailing=sent).values_list("status", flat=True))
    assert "sent" in statuses
    assert Mailing.objects.filter(status="draft").count() == 1
