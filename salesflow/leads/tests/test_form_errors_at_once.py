"""The lead form says "give at least a name..." together with the other fields' errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesflow.leads.models import Lead

pytestmark = pytest.mark.django_db


def test_no_name_and_a_bad_website_show_together(rep_client, rep):
    response = rep_client.post(
        reverse("leads:lead-create"),
        {"source": "webinar", "status": "new", "owner": rep.pk, "visibility": "team",
         "website": "not a url"},
    )  # fmt: skip

    errors = response.context["form"].errors
    assert errors["last_name"] == ["Give at least a name, an email, a phone number or a company."]
    assert errors["website"] == ["Enter a valid URL."]
    assert not Lead.objects.exists()


def test_a_bad_email_counts_as_given(rep_client, rep):
    errors = rep_client.post(
        reverse("leads:lead-create"),
        {"email": "nope", "source": "webinar", "status": "new", "owner": rep.pk,
         "visibility": "team"},
    ).context["form"].errors  # fmt: skip

    assert "email" in errors and "last_name" not in errors
