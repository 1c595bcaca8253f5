"""Contacts answer and take "topics to talk about" (customer 360)."""

from __future__ import annotations

import pytest

from salesflow.customers.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_topics_are_written_and_read(api_as, rep):
    api = api_as(rep)
    created = api.post("/contacts", {"last_name": "Hopper", "topics": "Navy, COBOL"})
    assert created.status_code == 201 and created.json()["topics"] == "Navy, COBOL"
    contact_id = created.json()["id"]
    changed = api.patch(f"/contacts/{contact_id}", {"topics": "Her nanosecond wire"})
    assert changed.json()["topics"] == "Her nanosecond wire"
    assert Contact.objects.get(pk=contact_id).topics == "Her nanosecond wire"


def test_a_patch_without_topics_keeps_them(api_as, rep):
    contact = ContactFactory(owner=rep, topics="Sailing")
    api_as(rep).patch(f"/contacts/{contact.pk}", {"hobbies": "Chess"})
    contact.refresh_from_db()
    assert contact.topics == "Sailing"
