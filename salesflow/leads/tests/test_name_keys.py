"""The stored name key of leads, and duplicates found by it in any capitals."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib import admin

from salesflow.customers.services import contact_create
from salesflow.leads.dedup import SCORE_EXACT_NAME, duplicates_find, lead_duplicates, lead_merge
from salesflow.leads.models import Lead
from salesflow.leads.services import lead_create, lead_update

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("salesflow.leads.migrations.0006_lead_name_key")


def lead_of(owner, **fields):
    fields.setdefault("source", "seo")
    return lead_create(acting_user=owner, **fields)


def test_a_new_lead_stores_the_key_of_its_full_name(rep):
    lead = lead_of(rep, first_name=" José ", last_name="GARCÍA")
    assert Lead.objects.get(pk=lead.pk).name_key == "josé garcía"


def test_renaming_a_lead_keeps_its_name_key_in_step(rep):
    lead = lead_of(rep, first_name="José", last_name="García")

    lead_update(lead, acting_user=rep, last_name="Gómez")

    assert Lead.objects.get(pk=lead.pk).name_key == "josé gómez"


def test_a_merge_that_fills_a_blank_name_fills_the_name_key(rep):
    primary = lead_of(rep, email="jose@garcia.example")
    duplicate = lead_of(rep, first_name="José", last_name="García", phone="+49301234567")

    lead_merge(primary, duplicate, acting_user=rep)

    assert Lead.objects.get(pk=primary.pk).name_key == "josé garcía"


def test_an_admin_edit_keeps_the_keys_in_step(rep):
    lead = lead_of(rep, first_name="José", last_name="García", company="Acme")
    lead.last_name, lead.company = "GÓMEZ", "Ärzte GmbH"

    admin.site._registry[Lead].save_model(None, lead, None, True)

    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.name_key, stored.company_key) == ("josé gómez", "arzte")


def test_the_same_name_in_capitals_is_a_duplicate_lead(rep):
    lead = lead_of(rep, first_name="José", last_name="García")

    found = duplicates_find(user=rep, first_name="JOSÉ", last_name="GARCÍA")

    assert [(c.record, c.reason, c.score) for c in found] == [
        (lead, "exact name", SCORE_EXACT_NAME)
    ]


def test_the_same_name_in_capitals_is_a_duplicate_contact(rep):
    contact = contact_create(acting_user=rep, first_name="José", last_name="García")

    found = duplicates_find(user=rep, first_name="JOSÉ", last_name="GARCÍA", company="Acme")

    assert [(c.kind, c.record, c.reason) for c in found] == [("contact", contact, "exact name")]


def test_a_lead_page_shows_a_namesake_without_a_company_as_a_duplicate(rep):
    lead = lead_of(rep, first_name="JOSÉ", last_name="GARCÍA", company="Acme")
    twin = lead_of(rep, first_name="José", last_name="García")

    assert [c.record for c in lead_duplicates(lead, user=rep)] == [twin]


def test_the_same_name_at_another_company_is_someone_else(rep):
    lead_of(rep, first_name="José", last_name="García", company="Globex")

    assert duplicates_find(user=rep, first_name="JOSÉ", last_name="GARCÍA", company="Acme") == []


def test_the_same_name_at_the_same_company_ranks_above_a_bare_name(rep):
    at_acme = lead_of(rep, first_name="José", last_name="García", company="Acme GmbH")
    bare = lead_of(rep, first_name="José", last_name="García")

    found = duplicates_find(user=rep, first_name="JOSÉ", last_name="GARCÍA", company="ACME")

    assert [c.record for c in found] == [at_acme, bare]
    assert found[0].score > found[1].score == SCORE_EXACT_NAME


def test_one_word_is_too_little_to_call_someone_a_duplicate(rep):
    lead_of(rep, last_name="García")
    assert duplicates_find(user=rep, last_name="GARCÍA") == []


def test_an_accent_makes_another_name(rep):
    lead_of(rep, first_name="Jose", last_name="Garcia")
    assert duplicates_find(user=rep, first_name="JOSÉ", last_name="GARCÍA") == []


def test_the_migration_fills_the_keys_of_existing_leads_in_batches(rep, monkeypatch):
    for first, last in (("JOSÉ", "García"), ("", "Lima"), ("Ada", "STRAUSS")):
        lead_of(rep, first_name=first, last_name=last)
    lead_of(rep, email="nameless@example.com")
    Lead.objects.update(name_key="")
    monkeypatch.setattr(backfill, "BATCH_SIZE", 2)

    backfill.lead_name_keys_fill(apps, None)

    assert sorted(Lead.objects.values_list("name_key", flat=True)) == [
        "",
        "ada strauss",
        "josé garcía",
        "lima",
    ]
