"""A refused edit leaves the record as saved, on the page too: its title names the saved deal,
not the name typed into the refused form."""

from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.pipeline.models import Deal
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_a_refused_edit_shows_the_saved_name_in_the_title(rep):
    deal = DealFactory(owner=rep, name="Harbour cranes")
    response = client_for(rep).post(
        f"/deals/{deal.pk}/edit/",
        {"name": "Typed but refused", "amount": "-5", "currency": "EUR", "version": deal.version,
         "pipeline": deal.pipeline_id, "owner": rep.pk, "visibility": deal.visibility},
    )  # fmt: skip
    body = response.content.decode()
    assert "<h1>Edit Harbour cranes</h1>" in body
    assert Deal.objects.get(pk=deal.pk).name == "Harbour cranes"
