"""The forms that use record pickers: small pages whatever the number of records, and an id of
a record the user may not read refused, naming the field, with nothing changed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal, DealStakeholder
from salesflow.users.models import Visibility
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    default_pipeline,
)

pytestmark = pytest.mark.django_db

OPTION = re.compile(r"<option\b")


def _bulk_records(owner, count: int) -> None:
    """`count` accounts, contacts, leads and deals the owner may read (fast: bulk inserts)."""
    team = owner.teams.order_by("pk").first()
    common = {"owner": owner, "team": team, "visibility": Visibility.TEAM}
    accounts = Account.objects.bulk_create(
        Account(name=f"Bulk {n} AG", name_key=f"bulk {n} ag", **common) for n in range(count)
    )
    Contact.objects.bulk_create(
        Contact(
            account=accounts[n], first_name="Bulk", last_name=f"C{n}", name_key=f"bulk c{n}",
            **common,
        )
        for n in range(count)
    )  # fmt: skip
    Lead.objects.bulk_create(
        Lead(first_name="Bulk", last_name=f"L{n}", name_key=f"bulk l{n}", **common)
        for n in range(count)
    )
    pipeline = default_pipeline()
    stage = pipeline.stages.order_by("position").first()
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            name=f"Bulk deal {n}", account=accounts[n], pipeline=pipeline, stage=stage,
            stage_entered_at=now, **common,
        )
        for n in range(count)
    )  # fmt: skip


def _options(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    return len(OPTION.findall(body)), len(body)


def test_log_activity_and_deal_pages_stay_small_whatever_the_number_of_records(rep):
    client = client_for(rep)
    deal = DealFactory(owner=rep)
    pages = [
        reverse("activities:activity-create"),
        reverse("pipeline:deal-detail", args=[deal.pk]),
        reverse("pipeline:deal-create"),
        reverse("pipeline:deal-edit", args=[deal.pk]),
        reverse("customers:contact-create"),
    ]
    _bulk_records(rep, 5)
    small = {url: _options(client, url) for url in pages}
    _bulk_records(rep, 495)  # 500 of each now
    for url in pages:
        options, size = _options(client, url)
        # 20 suggestions per picker at most: the same options once 20 exist; 5 grew to 20.
        assert options <= small[url][0] + 4 * 15, url
        assert size < small[url][1] * 1.5, url
    large = {url: _options(client, url) for url in pages}
    _bulk_records(rep, 500)  # 1,000 of each: nothing grows any more
    for url in pages:
        assert _options(client, url)[0] == large[url][0], url


def test_picker_select_names_its_endpoint_and_keeps_its_label(rep):
    body = client_for(rep).get(reverse("activities:activity-create")).content.decode()
    for kind in ("deal", "lead", "contact", "account"):
        assert f'for="id_{kind}"' in body
        select = re.search(rf'<select name="{kind}"[^>]*>', body).group(0)
        assert f'data-picker-url="/search/pick/{kind}/"' in select
        assert f'id="id_{kind}"' in select


def test_stakeholder_picker_asks_for_the_deal_and_suggests_its_account_contacts(rep):
    acme = AccountFactory(owner=rep, name="Acme")
    deal = DealFactory(owner=rep, account=acme)
    mine = ContactFactory(owner=rep, account=acme, first_name="Acme", last_name="Person")
    _bulk_records(rep, 30)
    body = client_for(rep).get(reverse("pipeline:deal-detail", args=[deal.pk])).content.decode()
    select = re.search(r'<select name="contact"[^>]*>(.*?)</select>', body, re.S)
    assert f"/search/pick/contact/?deal={deal.pk}" in select.group(0)
    assert f'value="{mine.pk}"' in select.group(1)


def test_new_deal_primary_contact_depends_on_the_account(rep):
    body = client_for(rep).get(reverse("pipeline:deal-create")).content.decode()
    select = re.search(r'<select name="primary_contact"[^>]*>', body).group(0)
    assert 'data-picker-depends="account:account"' in select


def test_chosen_record_is_offered_even_when_not_among_the_suggestions(rep):
    _bulk_records(rep, 30)
    old = Contact.objects.filter(owner=rep).order_by("pk").first()
    deal = DealFactory(owner=rep, account=old.account, primary_contact=old)
    body = client_for(rep).get(reverse("pipeline:deal-edit", args=[deal.pk])).content.decode()
    select = re.search(r'<select name="primary_contact"[^>]*>(.*?)</select>', body, re.S)
    assert re.search(rf'<option value="{old.pk}" selected>', select.group(1))


# An id of a record the user may not read ----------------------------------------------------


@pytest.mark.parametrize("field", ["contact", "deal", "lead", "account"])
def test_log_activity_refuses_an_invisible_record_naming_the_field(rep, outsider, field):
    from tests.factories import LeadFactory

    hidden = {
        "contact": lambda: ContactFactory(owner=outsider),
        "deal": lambda: DealFactory(owner=outsider),
        "lead": lambda: LeadFactory(owner=outsider),
        "account": lambda: AccountFactory(owner=outsider),
    }[field]()
    before = Activity.objects.count()
    response = client_for(rep).post(
        reverse("activities:activity-create"),
        {
            "type": "call",
            "subject": "Sneaky",
            "visibility": "team",
            "owner": rep.pk,
            field: hidden.pk,
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "valid choice" in str(response.context["form"].errors[field])
    assert Activity.objects.count() == before


def test_deal_edit_refuses_an_invisible_account_and_contact_and_keeps_the_deal(rep, outsider):
    deal = DealFactory(owner=rep)
    hidden_account = AccountFactory(owner=outsider)
    hidden_contact = ContactFactory(owner=outsider)
    response = client_for(rep).post(
        reverse("pipeline:deal-edit", args=[deal.pk]),
        {
            "name": "Renamed",
            "account": hidden_account.pk,
            "primary_contact": hidden_contact.pk,
            "currency": "EUR",
            "visibility": "team",
            "owner": rep.pk,
            "version": deal.version,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "account" in errors and "primary_contact" in errors
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.name, fresh.account_id, fresh.primary_contact_id, fresh.version) == (
        deal.name,
        deal.account_id,
        None,
        deal.version,
    )


def test_stakeholder_add_refuses_an_invisible_contact(rep, outsider):
    deal = DealFactory(owner=rep)
    hidden = ContactFactory(owner=outsider)
    client_for(rep).post(
        reverse("pipeline:deal-stakeholder-add", args=[deal.pk]),
        {"contact": hidden.pk, "role": "user", "attitude": "neutral"},
    )
    assert not DealStakeholder.objects.filter(deal=deal).exists()


def test_contact_form_refuses_an_invisible_account(rep, outsider):
    contact = ContactFactory(owner=rep)
    hidden = AccountFactory(owner=outsider)
    response = client_for(rep).post(
        reverse("customers:contact-edit", args=[contact.pk]),
        {
            "last_name": contact.last_name,
            "account": hidden.pk,
            "visibility": "team",
            "owner": rep.pk,
            "version": contact.version,
        },
    )
    assert "account" in response.context["form"].errors
    assert Contact.objects.get(pk=contact.pk).account_id == contact.account_id


def test_log_activity_with_a_visible_contact_saves_it(rep):
    contact = ContactFactory(owner=rep)
    response = client_for(rep).post(
        reverse("activities:activity-create"),
        {
            "type": "call",
            "subject": "Call",
            "visibility": "team",
            "owner": rep.pk,
            "contact": contact.pk,
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get(subject="Call").contact == contact
