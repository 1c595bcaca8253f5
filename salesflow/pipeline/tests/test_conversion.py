from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from salesflow.core.errors import DomainError
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.leads.tests.factories import CompleteBantFactory
from salesflow.pipeline.conversion import lead_convert
from salesflow.pipeline.models import Deal, Pipeline
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db


def qualified_lead(owner, **fields):
    fields.setdefault("company", "Lima Logistics GmbH")
    lead = LeadFactory(
        owner=owner, status="qualified", qualification=CompleteBantFactory(), title="COO", **fields
    )
    Lead.objects.filter(pk=lead.pk).update(company_key="lima logistics")
    lead.company_key = "lima logistics"
    return lead


def test_converting_creates_account_contact_and_deal_in_the_first_stage(rep):
    lead = qualified_lead(rep, first_name="Ana", last_name="Lima", email="ana@lima.example")
    activity = ActivityFactory(owner=rep, lead=lead, deal=None, account=None)

    account, contact, deal = lead_convert(lead, acting_user=rep, amount=Decimal("30000"))

    assert account.name == "Lima Logistics GmbH"
    assert (contact.full_name, contact.email, contact.position, contact.account) == (
        "Ana Lima",
        "ana@lima.example",
        "COO",
        account,
    )
    default = Pipeline.objects.get(is_default=True)
    assert deal.pipeline == default
    assert deal.stage == default.stages.filter(kind="open").order_by("position").first()
    assert (deal.amount, deal.lead, deal.qualification, deal.primary_contact) == (
        30000,
        lead,
        lead.qualification,
        contact,
    )
    assert deal.owner == rep
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account, lead.converted_contact) == (
        "converted",
        account,
        contact,
    )
    activity.refresh_from_db()
    assert (activity.lead, activity.deal, activity.contact, activity.account) == (
        lead,
        deal,
        contact,
        account,
    )


def test_the_deal_amount_defaults_to_the_budget(rep):
    _, _, deal = lead_convert(qualified_lead(rep), acting_user=rep)
    assert deal.amount == Decimal("25000")


def test_an_existing_account_and_contact_are_reused(rep):
    account = AccountFactory(owner=rep, name="LIMA LOGISTICS")
    contact = ContactFactory(owner=rep, account=account, email="ana@lima.example")
    lead = qualified_lead(rep, email="ana@lima.example")

    got_account, got_contact, deal = lead_convert(lead, acting_user=rep)

    assert (got_account, got_contact) == (account, contact)
    assert Account.objects.count() == 1
    assert Contact.objects.count() == 1
    assert deal.account == account


def test_an_account_the_user_cannot_see_is_not_reused(rep, outsider):
    AccountFactory(owner=outsider, name="Lima Logistics", visibility="private")
    account, _, _ = lead_convert(qualified_lead(rep), acting_user=rep)
    assert account.owner == rep
    assert Account.objects.count() == 2


def test_a_lead_that_is_not_qualified_cannot_be_converted(rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(DomainError) as exc:
        lead_convert(lead, acting_user=rep)
    assert exc.value.missing[0]["code"] == "status"
    assert not Deal.objects.exists()


def test_converting_twice_is_refused(rep):
    lead = qualified_lead(rep)
    lead_convert(lead, acting_user=rep)
    with pytest.raises(DomainError):
        lead_convert(lead, acting_user=rep)
    assert Deal.objects.count() == 1


def test_an_outsider_cannot_convert_a_lead_they_cannot_change(rep, outsider):
    with pytest.raises(PermissionDenied):
        lead_convert(qualified_lead(rep), acting_user=outsider)
    assert not Deal.objects.exists()


def test_a_failing_conversion_leaves_nothing_behind(rep):
    lead = qualified_lead(rep)
    with pytest.raises(ValidationError) as exc:
        lead_convert(lead, acting_user=rep, amount=Decimal("-1"))
    assert "amount" in exc.value.message_dict
    assert not Account.objects.exists()
    assert not Contact.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "qualified"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_converting_at_once_make_one_deal(rep, teammate):
    lead = qualified_lead(rep)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def convert(user):
        try:
            copy = Lead.objects.select_related("qualification").get(pk=lead.pk)
            barrier.wait(timeout=10)
            lead_convert(copy, acting_user=user)
            results.append("converted")
        except DomainError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=convert, args=(user,)) for user in (rep, teammate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["converted", "refused"]
    assert Deal.objects.filter(lead=lead).count() == 1


def test_converting_leaves_required_custom_fields_for_the_rep_to_fill(rep, admin_user):
    from salesflow.customfields.services import custom_field_create

    for kind in ("account", "deal"):
        custom_field_create(
            acting_user=admin_user, kind=kind, key="fleet_size", label="Fleet size",
            type="number", is_required=True,
        )  # fmt: skip
    result = lead_convert(qualified_lead(rep), acting_user=rep)
    assert result.account.custom == {} and result.deal.custom == {}
    with pytest.raises(ValidationError, match="Fleet size is required"):
        from salesflow.customers.services import account_create

        account_create(acting_user=rep, name="Typed in by a person")
