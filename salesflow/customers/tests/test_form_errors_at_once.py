"""Every error of the account form shows on the first save: the service's rules (year founded,
parent, same name) beside the fields' own (website), not one after the other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from salesflow.customers.models import Account
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = dt.date.today().year + 1


def data(rep, **changes):
    return {"name": "Bolt Bikes", "tier": "A", "owner": rep.pk, "visibility": "team", **changes}


def test_a_bad_website_and_a_future_year_show_together_on_create(rep_client, rep):
    response = rep_client.post(
        reverse("customers:account-create"),
        data(rep, website="not a url", founded_year=NEXT_YEAR),
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["website"] == ["Enter a valid URL."]
    assert errors["founded_year"] == [f"The year founded cannot be after {NEXT_YEAR - 1}."]
    assert not Account.objects.exists()


def test_a_same_name_shows_with_the_other_errors(rep_client, rep):
    AccountFactory(owner=rep, name="Bolt Bikes")

    errors = (
        rep_client.post(reverse("customers:account-create"), data(rep, website="not a url"))
        .context["form"]
        .errors
    )

    assert errors["name"] == ["The account “Bolt Bikes” already exists."]
    assert errors["website"]


def test_an_edit_shows_every_error_at_once_and_changes_nothing(rep_client, rep):
    account = AccountFactory(owner=rep, name="Acme", website="https://acme.example")
    parent = AccountFactory(owner=rep, name="Acme Group", parent=account)
    before = Account.objects.filter(pk=account.pk).values().get()

    response = rep_client.post(
        reverse("customers:account-edit", args=[account.pk]),
        data(rep, name="Acme", version=account.version, website="nope",
             founded_year=NEXT_YEAR, parent=parent.pk),
    )  # fmt: skip

    errors = response.context["form"].errors
    assert {"website", "founded_year", "parent"} <= set(errors)
    assert "belongs to Acme already" in errors["parent"][0]
    assert Account.objects.filter(pk=account.pk).values().get() == before
