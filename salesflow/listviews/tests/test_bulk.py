"""Bulk actions on the deal, lead, account and contact lists (salesflow/listviews/bulk.py)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from conftest import client_for
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.outreach.models import Segment
from salesflow.outreach.segments import segment_members
from salesflow.pipeline.models import Deal
from salesflow.users.models import Visibility
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    stage_named,
)

pytestmark = pytest.mark.django_db


def _ids(*records):
    return [f"{record.pk}:{record.version}" for record in records]


def _run(client, url_name, action, records, **data):
    return client.post(
        reverse(url_name), {"action": action, "ids": _ids(*records), "step": "run", **data}
    )


def _message(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_move_stage_moves_those_that_may_move_and_lists_the_refused(rep):
    back_a = DealFactory(owner=rep, name="Alpha", stage=stage_named("Presentation / demo"))
    back_b = DealFactory(owner=rep, name="Bravo", stage=stage_named("Presentation / demo"))
    stuck = DealFactory(owner=rep, name="Charlie", stage=stage_named("Qualification"))
    target = stage_named("Needs assessment")
    response = _run(client_for(rep), "pipeline:deal-bulk", "move", [back_a, back_b, stuck],
                    stage=target.pk)  # fmt: skip
    assert response.status_code == 302
    message = _message(response)
    assert message.startswith("2 moved, 1 refused: Charlie: This deal cannot leave")
    for deal in (back_a, back_b):
        deal.refresh_from_db()
        assert deal.stage == target
    stuck.refresh_from_db()
    assert stuck.stage.name == "Qualification" and stuck.version == 1
    assert stuck.stage_changes.count() == 1


def test_move_asks_for_the_stage_first_listing_the_selected(rep):
    deal = DealFactory(owner=rep, name="Alpha")
    response = client_for(rep).post(
        reverse("pipeline:deal-bulk"), {"action": "move", "ids": _ids(deal)}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Alpha" in body and "Move to stage" in body


def test_a_teammates_private_deal_is_refused_as_not_found_and_unchanged(rep, teammate):
    mine = DealFactory(owner=rep, name="Mine")
    private = DealFactory(owner=teammate, name="Secret", visibility=Visibility.PRIVATE)
    response = _run(client_for(rep), "pipeline:deal-bulk", "visibility", [mine, private],
                    visibility="everyone")  # fmt: skip
    message = _message(response)
    assert message == f"1 changed, 1 refused: #{private.pk}: Not found."
    assert "Secret" not in message
    private.refresh_from_db()
    assert private.visibility == Visibility.PRIVATE and private.version == 1
    mine.refresh_from_db()
    assert mine.visibility == Visibility.EVERYONE


def test_assign_owner_refuses_a_read_only_record_and_leaves_it(rep, teammate, outsider):
    shared = DealFactory(owner=outsider, name="Shared", visibility=Visibility.EVERYONE)
    mine = DealFactory(owner=rep, name="Mine")
    response = _run(client_for(rep), "pipeline:deal-bulk", "owner", [mine, shared],
                    owner=teammate.pk)  # fmt: skip
    assert _message(response) == (
        "1 assigned, 1 refused: Shared: You may see this record but not change it."
    )
    shared.refresh_from_db()
    assert shared.owner == outsider and shared.version == 1
    mine.refresh_from_db()
    assert mine.owner == teammate


def test_a_stale_version_is_refused_as_a_conflict(rep):
    deal = DealFactory(owner=rep, name="Alpha")
    stale = [f"{deal.pk}:{deal.version}"]
    Deal.objects.filter(pk=deal.pk).update(version=2, visibility=Visibility.PRIVATE)
    response = client_for(rep).post(
        reverse("pipeline:deal-bulk"),
        {"action": "visibility", "ids": stale, "step": "run", "visibility": "everyone"},
    )
    assert "0 changed, 1 refused: Alpha:" in _message(response)
    deal.refresh_from_db()
    assert deal.visibility == Visibility.PRIVATE and deal.version == 2


def test_delete_confirms_listing_what_will_be_deleted_then_deletes(rep, teammate):
    a = DealFactory(owner=rep, name="Alpha")
    b = DealFactory(owner=teammate, name="Teammate private", visibility=Visibility.PRIVATE)
    client = client_for(rep)
    confirm = client.post(reverse("pipeline:deal-bulk"), {"action": "delete", "ids": _ids(a, b)})
    body = confirm.content.decode()
    assert "Alpha" in body and "cannot be undone" in body and "Teammate private" not in body
    assert Deal.objects.filter(pk=a.pk).exists()
    response = _run(client, "pipeline:deal-bulk", "delete", [a, b])
    assert _message(response).startswith("1 deleted, 1 refused")
    assert not Deal.objects.filter(pk=a.pk).exists() and Deal.objects.filter(pk=b.pk).exists()


def test_export_selected_downloads_only_the_readable_selected(rep, teammate):
    a = DealFactory(owner=rep, name="Alpha")
    DealFactory(owner=rep, name="Bravo")
    hidden = DealFactory(owner=teammate, name="Hidden", visibility=Visibility.PRIVATE)
    response = client_for(rep).post(
        reverse("pipeline:deal-bulk"), {"action": "export", "ids": _ids(a, hidden)}
    )
    content = b"".join(response.streaming_content).decode()
    assert "Alpha" in content and "Bravo" not in content and "Hidden" not in content


def test_select_all_on_the_page_works_without_javascript(rep):
    deals = [DealFactory(owner=rep) for _ in range(3)]
    response = client_for(rep).post(
        reverse("pipeline:deal-bulk"),
        {"action": "visibility", "page_all": "1", "page_ids": _ids(*deals), "step": "run",
         "visibility": "private"},
    )  # fmt: skip
    assert _message(response) == "3 changed."
    assert set(Deal.objects.values_list("visibility", flat=True)) == {"private"}


def test_lead_status_and_owner(rep, teammate):
    lead = LeadFactory(owner=rep, last_name="Lovelace")
    other = LeadFactory(owner=teammate, last_name="Hidden", visibility=Visibility.PRIVATE)
    client = client_for(rep)
    response = _run(client, "leads:lead-bulk", "status", [lead, other], status="working")
    assert _message(response).startswith("1 changed, 1 refused")
    lead.refresh_from_db()
    other.refresh_from_db()
    assert lead.status == "working" and other.status == "new"
    _run(client, "leads:lead-bulk", "owner", [lead], owner=teammate.pk)
    lead.refresh_from_db()
    assert lead.owner == teammate


@pytest.mark.parametrize(
    ("url_name", "factory", "model"),
    [("customers:account-bulk", AccountFactory, Account),
     ("customers:contact-bulk", ContactFactory, Contact),
     ("leads:lead-bulk", LeadFactory, Lead)],
)  # fmt: skip
def test_owner_visibility_and_delete_on_the_other_lists(rep, teammate, url_name, factory, model):
    mine = factory(owner=rep)
    private = factory(owner=teammate, visibility=Visibility.PRIVATE)
    client = client_for(rep)
    _run(client, url_name, "visibility", [mine, private], visibility="everyone")
    mine.refresh_from_db()
    private.refresh_from_db()
    assert mine.visibility == "everyone" and private.visibility == "private"
    _run(client, url_name, "owner", [mine, private], owner=teammate.pk)
    private.refresh_from_db()
    assert private.owner == teammate and private.version == 1
    response = _run(client, url_name, "delete", [private])
    assert _message(response).endswith(f"0 deleted, 1 refused: #{private.pk}: Not found.")
    assert model.objects.filter(pk=private.pk).exists()


def test_add_contacts_and_accounts_to_a_segment(rep, teammate):
    segment = Segment.objects.create(
        name="Nordics", owner=rep, team=rep.teams.first(), filters={"region": ["Nordics"]}
    )
    nordic = ContactFactory(owner=rep, account=AccountFactory(owner=rep, region="Nordics"))
    picked = ContactFactory(owner=rep, last_name="Picked")
    hidden = ContactFactory(owner=teammate, visibility=Visibility.PRIVATE)
    response = _run(client_for(rep), "customers:contact-bulk", "segment", [picked, hidden],
                    segment=segment.pk)  # fmt: skip
    assert _message(response).startswith("1 added, 1 refused")
    segment.refresh_from_db()
    assert segment.filters["contact_ids"] == [picked.pk]
    assert set(segment_members(rep, segment.filters)) == {nordic, picked}
    account = AccountFactory(owner=rep)
    member = ContactFactory(owner=rep, account=account)
    _run(client_for(rep), "customers:account-bulk", "segment", [account], segment=segment.pk)
    segment.refresh_from_db()
    assert member in set(segment_members(rep, segment.filters))


def test_a_segment_the_user_cannot_change_is_not_offered(rep, outsider):
    theirs = Segment.objects.create(
        name="Theirs", owner=outsider, team=outsider.teams.first(), visibility="everyone"
    )
    contact = ContactFactory(owner=rep)
    response = _run(client_for(rep), "customers:contact-bulk", "segment", [contact],
                    segment=theirs.pk)  # fmt: skip
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    theirs.refresh_from_db()
    assert "contact_ids" not in theirs.filters


def test_queries_stay_bounded_per_record(rep):
    few = [DealFactory(owner=rep) for _ in range(2)]
    many = [DealFactory(owner=rep) for _ in range(8)]
    client = client_for(rep)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        _run(client, "pipeline:deal-bulk", "visibility", few, visibility="private")
    with CaptureQueriesContext(connection) as large:
        _run(client, "pipeline:deal-bulk", "visibility", many, visibility="private")
    per_record = (len(large) - len(small)) / 6
    # The same service calls as one record's edit page (savepoint, locked read, save, audit
    # rows): a fixed number per record, never one that grows with the selection.
    assert per_record <= 25, per_record


@pytest.mark.parametrize(
    "url_name", ["pipeline:deal-list", "leads:lead-list", "customers:account-list",
                 "customers:contact-list"],
)  # fmt: skip
def test_every_list_offers_the_bulk_bar_and_row_checkboxes(rep, url_name):
    DealFactory(owner=rep)
    LeadFactory(owner=rep)
    ContactFactory(owner=rep)
    body = client_for(rep).get(reverse(url_name)).content.decode()
    assert "Select all on this page" in body and 'form="bulk-form"' in body


def test_editing_a_segment_on_its_page_keeps_its_explicit_members(rep):
    segment = Segment.objects.create(
        name="Picked", owner=rep, team=rep.teams.first(), filters={"region": ["Nordics"]}
    )
    picked = ContactFactory(owner=rep)
    _run(client_for(rep), "customers:contact-bulk", "segment", [picked], segment=segment.pk)
    client_for(rep).post(
        reverse("outreach:segment-edit", args=[segment.pk]),
        {"name": "Picked by hand", "region": "Nordics", "visibility": "team"},
    )
    segment.refresh_from_db()
    assert segment.name == "Picked by hand" and segment.filters["contact_ids"] == [picked.pk]


@pytest.mark.parametrize(
    ("url_name", "factory", "field", "value"),
    [("leads:lead-bulk", LeadFactory, "last_name", "Exported"),
     ("customers:account-bulk", AccountFactory, "name", "Exported"),
     ("customers:contact-bulk", ContactFactory, "last_name", "Exported")],
)  # fmt: skip
def test_export_selected_on_the_other_lists(rep, teammate, url_name, factory, field, value):
    chosen = factory(owner=rep, **{field: value})
    factory(owner=rep, **{field: "Not chosen"})
    hidden = factory(owner=teammate, visibility=Visibility.PRIVATE, **{field: "Hidden"})
    response = client_for(rep).post(
        reverse(url_name), {"action": "export", "ids": _ids(chosen, hidden)}
    )
    content = b"".join(response.streaming_content).decode()
    assert value in content and "Not chosen" not in content and "Hidden" not in content
