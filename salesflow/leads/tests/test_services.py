from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.leads.services import lead_create, lead_update
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_source_implies_the_channel_when_none_is_given(rep):
    lead = lead_create(acting_user=rep, last_name="Ng", source="exhibition")
    assert lead.channel == "outbound"
    assert lead.status == "new"


def test_a_lead_needs_something_to_identify_it(rep):
    with pytest.raises(ValidationError) as exc:
        lead_create(acting_user=rep, source="seo")
    assert "last_name" in exc.value.message_dict


def test_unknown_source_is_named(rep):
    with pytest.raises(ValidationError) as exc:
        lead_create(acting_user=rep, last_name="Ng", source="carrier_pigeon", channel="inbound")
    assert "source" in exc.value.message_dict


def test_status_cannot_be_set_to_converted_by_hand(rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        lead_update(lead, acting_user=rep, status="converted")
    assert "status" in exc.value.message_dict


@pytest.mark.parametrize("status", ["qualified", "disqualified"])
def test_status_cannot_jump_to_qualified_or_disqualified_by_hand(rep, status):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        lead_update(lead, acting_user=rep, status=status)
    assert "status" in exc.value.message_dict
    lead.refresh_from_db()
    assert lead.status == "new"
