from __future__ import annotations

import datetime as dt

import pytest

from salesflow.leads.models import Qualification


def test_bant_lists_what_is_missing():
    bant = Qualification()
    assert bant.missing == ["budget", "authority", "need", "timeline"]
    bant.budget_amount = 20000
    bant.is_decision_maker = False
    assert "authority" in bant.missing  # not the decision maker, and nobody named who is
    bant.decision_maker_name = "CFO Laura Diaz"
    bant.need = "Replace spreadsheets for route planning"
    bant.timeline_on = dt.date(2027, 3, 1)
    assert bant.is_complete


@pytest.mark.django_db
def test_phone_default_region_comes_from_site_settings():
    from salesflow.core.normalize import normalize_phone
    from salesflow.core.selectors import site_settings

    row = site_settings()
    row.phone_region = "DE"
    row.save()
    assert normalize_phone("030 1234567") == "+49301234567"
