"""Reads of the account and contact lists: visible records, searched and filtered in SQL."""

from __future__ import annotations

import pytest

from salesflow.customers.selectors import (
    account_values_visible_to,
    accounts_filtered,
    contacts_filtered,
)
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_the_account_list_searches_name_and_website_among_visible_accounts(rep, outsider):
    AccountFactory(owner=rep, name="Acme Freight", website="https://acme.example")
    AccountFactory(owner=rep, name="Bolt", website="https://freight-bolt.example")
    AccountFactory(owner=rep, name="Other")
    AccountFactory(owner=outsider, name="Freight South", visibility=Visibility.PRIVATE)
    found = {a.name for a in accounts_filtered(rep, q="freight")}
    assert found == {"Acme Freight", "Bolt"}
    assert {a.name for a in accounts_filtered(rep, q="", tier="B")} == {
        "Acme Freight", "Bolt", "Other",
    }  # fmt: skip


def test_filter_choices_list_only_values_of_visible_accounts(rep, outsider):
    AccountFactory(owner=rep, industry="Logistics")
    AccountFactory(owner=rep, industry="Logistics")
    AccountFactory(owner=rep, industry="")
    AccountFactory(owner=outsider, industry="Secret", visibility=Visibility.PRIVATE)
    assert account_values_visible_to(rep, "industry") == ["Logistics"]


def test_the_contact_list_needs_every_word_of_the_search(rep):
    # Named accounts: a random company name ("Glover and Sons") would match "love" too.
    ContactFactory(owner=rep, first_name="Ada", last_name="Lovelace", account__name="Analytical")
    ContactFactory(owner=rep, first_name="Ada", last_name="Byron", account__name="Engines")
    assert [c.last_name for c in contacts_filtered(rep, q="ada love")] == ["Lovelace"]


@pytest.mark.parametrize(
    ("consent", "expected"), [("yes", {"Yes"}), ("no", {"No", "Blocked"}), ("dnc", {"Blocked"})]
)
def test_the_contact_list_filters_by_consent(rep, consent, expected):
    ContactFactory(owner=rep, last_name="Yes", has_consent=True)
    ContactFactory(owner=rep, last_name="No", has_consent=False)
    ContactFactory(owner=rep, last_name="Blocked", has_consent=False, do_not_contact=True)
    assert {c.last_name for c in contacts_filtered(rep, consent=consent)} == expected


def test_the_searches_find_names_in_other_capitals_on_every_database(rep):
    AccountFactory(owner=rep, name="ÄRZTE GmbH")
    ContactFactory(owner=rep, first_name="JOSÉ", last_name="GARCÍA", account=None)
    assert [a.name for a in accounts_filtered(rep, q="ärzte")] == ["ÄRZTE GmbH"]
    assert [c.last_name for c in contacts_filtered(rep, q="josé garcía")] == ["GARCÍA"]
    assert list(contacts_filtered(rep, q="jose")) == []  # accents are part of the name
