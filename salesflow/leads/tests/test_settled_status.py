"""A qualified, disqualified or converted lead keeps its status against a plain update: the edit
page, the API and bulk actions all go through lead_update (review of issue 12's bulk status)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.leads.models import Lead, LeadStatus
from salesflow.leads.services import lead_update
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("settled", [LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED])
def test_a_settled_lead_cannot_be_set_back_to_new_by_an_update(rep, settled):
    lead = LeadFactory(owner=rep, status=settled)
    with pytest.raises(ValidationError) as refused:
        lead_update(lead, acting_user=rep, status=LeadStatus.NEW)
    assert "status" in refused.value.message_dict
    assert Lead.objects.get(pk=lead.pk).status == settled


def test_other_fields_of_a_settled_lead_still_change(rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.CONVERTED, company="Old")
    lead_update(lead, acting_user=rep, company="New", status=LeadStatus.CONVERTED)
    assert Lead.objects.get(pk=lead.pk).company == "New"
