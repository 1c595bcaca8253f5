"""Reps do not see the override they may not use; the server still refuses it (issue 12)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.pipeline.models import Deal, StageChange
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db

OVERRIDE_WORDS = "why the deal moves on early"


def test_a_rep_sees_no_override_on_the_deal_page(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    content = rep_client.get(deal.get_absolute_url()).content.decode()
    assert 'name="move-override_reason"' in content  # still there to say why it moves back
    assert OVERRIDE_WORDS not in content
    assert "Why it moves back" in content
    assert 'name="close-override_reason"' not in content


def test_a_manager_sees_the_override(manager, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    content = client_for(manager).get(deal.get_absolute_url()).content.decode()
    assert OVERRIDE_WORDS in content
    assert 'name="close-override_reason"' in content


def test_a_rep_s_override_posted_anyway_is_refused_and_changes_nothing(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    response = rep_client.post(
        reverse("pipeline:deal-move", args=[deal.pk]),
        {
            "move-to_stage": stage_named("Needs assessment").pk,
            "move-override_reason": "Trust me",
            "move-version": deal.version,
        },
    )
    assert "Only a manager or an admin may move a deal on" in response.content.decode()
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.stage.name, fresh.version) == ("Qualification", deal.version)
    assert not StageChange.objects.filter(deal=deal, to_stage__name="Needs assessment").exists()
