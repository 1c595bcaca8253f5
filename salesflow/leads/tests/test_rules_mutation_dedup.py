"""Duplicate finding at the edge of its rules (issue 14, mutation testing): a broken threshold,
score or reason must fail a test that looks at what the lead page would list."""

from __future__ import annotations

import pytest

from salesflow.leads.dedup import NAME_SIMILARITY_MIN, duplicates_find, lead_duplicates
from salesflow.leads.services import lead_create

pytestmark = pytest.mark.django_db


def lead_of(owner, **fields):
    fields.setdefault("source", "seo")
    return lead_create(acting_user=owner, **fields)


def test_a_name_85_percent_similar_at_the_same_company_is_a_duplicate_84_percent_is_not(rep):
    # token sort ratio: "Karolina Schmidt" 84.8 -> 85, "Katrin Schmitt" 83.9 -> 84.
    similar = lead_of(rep, first_name="Karolina", last_name="Schmidt", company="Globex GmbH")
    lead_of(rep, first_name="Katrin", last_name="Schmitt", company="Globex")
    lead_of(rep, first_name="Katharina", last_name="Schmidt", company="Initech")  # elsewhere

    found = duplicates_find(user=rep, first_name="Katharina", last_name="Schmidt", company="Globex")

    assert NAME_SIMILARITY_MIN == 85
    assert [(c.record, c.reason, c.score) for c in found] == [
        (similar, "similar name at same company (85%)", 76)  # round(85 * 0.9)
    ]


def test_a_lead_page_lists_the_other_lead_with_the_same_name_and_no_company(rep):
    lead = lead_of(rep, first_name="José", last_name="García")
    twin = lead_of(rep, first_name="JOSÉ", last_name="GARCÍA")
    lead_of(rep, first_name="José", last_name="Garcías")  # a different name key

    found = lead_duplicates(lead, user=rep)

    assert [(c.record, c.reason, c.score) for c in found] == [(twin, "exact name", 70)]


def test_the_same_name_at_two_different_companies_is_someone_else(rep):
    lead = lead_of(rep, first_name="Ana", last_name="Lima", company="Lima Logistics")
    lead_of(rep, first_name="Ana", last_name="Lima", company="Globex")

    assert lead_duplicates(lead, user=rep) == []


def test_an_equal_phone_ranks_above_a_similar_name_and_below_an_equal_email(rep):
    by_name = lead_of(rep, first_name="Jonathan", last_name="Smith", company="Acme")
    by_phone = lead_of(rep, last_name="Other", phone="+49 30 1234567")
    by_email = lead_of(rep, last_name="Third", email="jon@acme.example")

    found = duplicates_find(
        user=rep, first_name="Jonathan", last_name="Smith", company="Acme",
        email="jon@acme.example", phone="+49 30 1234567",
    )  # fmt: skip

    assert [(c.record, c.score, c.reason) for c in found] == [
        (by_email, 100, "exact email"),
        (by_phone, 95, "exact phone"),
        (by_name, 90, "similar name at same company (100%)"),
    ]
