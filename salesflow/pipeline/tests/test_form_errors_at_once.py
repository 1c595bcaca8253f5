"""The new deal form says the contact works elsewhere together with the other fields' errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory, ContactFactory, stage_named

pytestmark = pytest.mark.django_db


def test_a_contact_of_another_account_and_a_bad_amount_show_together(rep_client, rep):
    account = AccountFactory(owner=rep)
    elsewhere = ContactFactory(owner=rep, account=AccountFactory(owner=rep))

    response = rep_client.post(
        reverse("pipeline:deal-create"),
        {"name": "Fleet", "account": account.pk, "primary_contact": elsewhere.pk,
         "expected_close_on": "someday", "currency": "EUR", "owner": rep.pk, "visibility": "team",
         "pipeline": stage_named("Prospecting").pipeline_id},
    )  # fmt: skip

    errors = response.context["form"].errors
    assert errors["primary_contact"] == ["This contact works at another account."]
    assert errors["expected_close_on"]
    assert not Deal.objects.exists()
