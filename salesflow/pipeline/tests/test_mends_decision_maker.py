"""BANT's decision maker offered as the decision-making stakeholder (issue 12)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.customers.models import Contact
from salesflow.pipeline.criteria import deal_missing_criteria
from salesflow.pipeline.models import Deal, DealStakeholder
from salesflow.pipeline.services import deal_move, deal_qualification_record
from tests.factories import AccountFactory, ContactFactory, DealFactory, stage_named

pytestmark = pytest.mark.django_db


def presenting(rep, **answers):
    account = AccountFactory(owner=rep, name="Acme")
    contact = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Buyer")
    deal = DealFactory(
        owner=rep,
        account=account,
        primary_contact=contact,
        stage=stage_named("Presentation / demo"),
    )
    deal_qualification_record(
        deal,
        acting_user=rep,
        budget_amount=50000,
        need="Replace spreadsheets",
        timeline_on=dt.date(2027, 3, 1),
        **answers,
    )
    return Deal.objects.get(pk=deal.pk)


def dm_codes(deal):
    return [m.code for m in deal_missing_criteria(deal, leaving=stage_named("Presentation / demo"))]


def add_url(deal):
    return reverse("pipeline:deal-stakeholder-add", args=[deal.pk])


def test_talks_to_the_decision_maker_offers_the_primary_contact(rep_client, rep):
    deal = presenting(rep, is_decision_maker=True)
    assert "decision_maker" in dm_codes(deal)
    content = html.unescape(rep_client.get(deal.get_absolute_url()).content.decode())
    assert "Add Ada Buyer as decision maker" in content

    rep_client.post(add_url(deal), {"from_bant": "1"})

    row = DealStakeholder.objects.get(deal=deal)
    assert (row.contact.last_name, row.role) == ("Buyer", "decision_maker")
    assert "decision_maker" not in dm_codes(deal)
    content = html.unescape(rep_client.get(deal.get_absolute_url()).content.decode())
    assert "as decision maker</button>" not in content


def test_a_named_decision_maker_not_on_file_becomes_a_contact(rep_client, rep):
    deal = presenting(rep, is_decision_maker=False, decision_maker_name="Maria  Schmidt")
    content = html.unescape(rep_client.get(deal.get_absolute_url()).content.decode())
    assert "Add Maria Schmidt as decision maker" in content

    rep_client.post(add_url(deal), {"from_bant": "1"})

    contact = Contact.objects.get(last_name="Schmidt")
    assert (contact.first_name, contact.account, contact.owner) == ("Maria", deal.account, rep)
    assert DealStakeholder.objects.get(deal=deal, contact=contact).role == "decision_maker"
    assert "decision_maker" not in dm_codes(deal)


def test_a_named_decision_maker_on_file_is_not_duplicated(rep_client, rep):
    deal = presenting(rep, is_decision_maker=False, decision_maker_name="maria schmidt")
    known = ContactFactory(owner=rep, account=deal.account, first_name="Maria", last_name="Schmidt")
    rep_client.post(add_url(deal), {"from_bant": "1"})
    assert DealStakeholder.objects.get(deal=deal).contact == known
    assert Contact.objects.filter(last_name="Schmidt").count() == 1


def test_the_refused_move_offers_it_too(rep_client, rep):
    deal = presenting(rep, is_decision_maker=True)
    response = rep_client.post(
        reverse("pipeline:deal-move", args=[deal.pk]),
        {"move-to_stage": stage_named("Proposal and objections").pk, "move-version": deal.version},
    )
    content = html.unescape(response.content.decode())
    assert "cannot leave Presentation / demo" in content
    assert f'form="dm-offer-{deal.pk}"' in content
    assert f'id="dm-offer-{deal.pk}"' in content


def test_a_reader_without_write_access_cannot_add(rep, outsider):
    deal = presenting(rep, is_decision_maker=True)
    response = client_for(outsider).post(add_url(deal), {"from_bant": "1"})
    assert response.status_code in (403, 404)
    assert not DealStakeholder.objects.filter(deal=deal).exists()


def test_no_offer_without_bant_naming_anyone(rep_client, rep):
    deal = presenting(rep)  # authority not answered
    content = html.unescape(rep_client.get(deal.get_absolute_url()).content.decode())
    assert "as decision maker</button>" not in content
    rep_client.post(add_url(deal), {"from_bant": "1"})
    assert not DealStakeholder.objects.filter(deal=deal).exists()
    with pytest.raises(Exception):  # noqa: B017 - still held up
        deal_move(deal, to_stage=stage_named("Proposal and objections"), acting_user=rep)
