from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesflow.core.errors import DomainError
from salesflow.leads.models import DisqualificationReason
from salesflow.leads.services import lead_disqualify, lead_qualification_record, lead_qualify
from salesflow.leads.tests.factories import CompleteBantFactory, reason
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_bant_answers_are_recorded_on_the_lead_and_updated_later(rep):
    lead = LeadFactory(owner=rep)
    bant = lead_qualification_record(lead, acting_user=rep, budget_amount=Decimal("9000"))
    lead.refresh_from_db()
    assert lead.qualification == bant
    assert (bant.recorded_by, bant.missing) == (rep, ["authority", "need", "timeline"])
    lead_qualification_record(lead, acting_user=rep, need="Route planning", is_decision_maker=True)
    bant.refresh_from_db()
    assert (bant.budget_amount, bant.need, bant.is_decision_maker) == (9000, "Route planning", True)


def test_a_confirmed_budget_needs_an_amount(rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError) as exc:
        lead_qualification_record(lead, acting_user=rep, is_budget_confirmed=True)
    assert "budget_amount" in exc.value.message_dict


def test_a_pain_level_outside_one_to_five_is_refused(rep):
    with pytest.raises(ValidationError) as exc:
        lead_qualification_record(LeadFactory(owner=rep), acting_user=rep, pain_level=9)
    assert "pain_level" in exc.value.message_dict


def test_qualifying_is_refused_listing_the_missing_bant_letters(rep):
    lead = LeadFactory(owner=rep)
    lead_qualification_record(lead, acting_user=rep, budget_amount=Decimal("9000"))
    with pytest.raises(DomainError) as exc:
        lead_qualify(lead, acting_user=rep)
    assert [item["code"] for item in exc.value.missing] == ["authority", "need", "timeline"]
    assert "authority, need, timeline" in exc.value.message
    lead.refresh_from_db()
    assert lead.status == "new"


def test_a_lead_with_complete_bant_is_qualified(rep):
    lead = LeadFactory(owner=rep, qualification=CompleteBantFactory())
    lead = lead_qualify(lead, acting_user=rep)
    lead.refresh_from_db()
    assert lead.status == "qualified"
    assert lead.qualified_at is not None


def test_a_teammate_may_qualify_but_an_outsider_may_not(rep, teammate, outsider):
    lead = LeadFactory(owner=rep, qualification=CompleteBantFactory())
    with pytest.raises(PermissionDenied):
        lead_qualify(lead, acting_user=outsider)
    with pytest.raises(PermissionDenied):
        lead_qualification_record(lead, acting_user=outsider, need="x")
    assert lead_qualify(lead, acting_user=teammate).status == "qualified"


def test_disqualifying_records_the_reason_and_a_note(rep):
    lead = LeadFactory(owner=rep)
    lead = lead_disqualify(
        lead, reason=reason("No budget"), acting_user=rep, note="Frozen until 2028"
    )
    lead.refresh_from_db()
    assert (lead.status, lead.disqualification_reason.name) == ("disqualified", "No budget")
    assert "Frozen until 2028" in lead.notes


def test_a_retired_reason_cannot_be_chosen(rep):
    retired = DisqualificationReason.objects.create(name="Wrong country", is_active=False)
    with pytest.raises(ValidationError) as exc:
        lead_disqualify(LeadFactory(owner=rep), reason=retired, acting_user=rep)
    assert "reason" in exc.value.message_dict


def test_the_seeded_reasons_are_there():
    names = set(DisqualificationReason.objects.values_list("name", flat=True))
    assert {"No budget", "Chose a competitor", "Duplicate"} <= names


def test_a_disqualified_lead_can_be_qualified_again(rep):
    lead = LeadFactory(owner=rep, qualification=CompleteBantFactory())
    lead = lead_disqualify(lead, reason=reason(), acting_user=rep)
    lead = lead_qualify(lead, acting_user=rep)
    assert (lead.status, lead.disqualification_reason) == ("qualified", None)
