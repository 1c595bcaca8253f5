"""The contact list's access rule as a list (issue #10 point 4, session 13): without a search,
"the primary contact of a readable deal" is `pk IN (the readable deals' primary contacts)`
(`contacts_visible_to(user, whole_list=True)`), read once per query, instead of an EXISTS per
contact. Every role sees the same rows, in the same order, and the same count, on every page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from salesflow.core.views import PER_PAGE
from salesflow.customers.selectors import contacts_filtered, contacts_visible_to
from salesflow.users.models import Visibility
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db

LIST = reverse("customers:contact-list")


@pytest.fixture
def contacts(rep, teammate, outsider, manager):
    """Own, team-shared, private and company-wide contacts of several people, and private ones
    of another team made readable by being the primary contact of a deal someone may read."""
    people = (rep, teammate, outsider, manager)
    visibilities = (Visibility.PRIVATE, Visibility.TEAM, Visibility.EVERYONE)
    for n in range(60):
        owner = people[n % 4]
        ContactFactory(owner=owner, visibility=visibilities[n % 3], last_name=f"Name {n:02}")
    deals = [(rep, Visibility.PRIVATE), (teammate, Visibility.TEAM), (teammate, Visibility.PRIVATE),
             (outsider, Visibility.EVERYONE), (outsider, Visibility.PRIVATE),
             (manager, Visibility.TEAM)]  # fmt: skip
    for n, (deal_owner, visibility) in enumerate(deals):
        hidden = ContactFactory(owner=outsider, visibility=Visibility.PRIVATE,
                                last_name=f"Through {n}")  # fmt: skip
        DealFactory(owner=deal_owner, visibility=visibility, primary_contact=hidden)
    DealFactory(owner=rep, primary_contact=None)


@pytest.mark.parametrize("persona", ["rep", "teammate", "manager", "outsider", "admin_user"])
def test_the_list_rule_reads_the_same_contacts_as_the_rule_per_contact(persona, request, contacts):
    user = request.getfixturevalue(persona)
    per_contact = list(contacts_visible_to(user).order_by("pk").values_list("pk", flat=True))
    as_list = contacts_visible_to(user, whole_list=True).order_by("pk")
    assert list(as_list.values_list("pk", flat=True)) == per_contact
    assert as_list.count() == len(per_contact)


@pytest.mark.parametrize("persona", ["rep", "manager", "outsider"])
def test_every_page_of_the_list_shows_the_same_rows_and_count(persona, request, contacts):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    expected = list(contacts_visible_to(user).order_by("last_name", "first_name", "pk"))
    assert len(expected) > PER_PAGE  # a second page
    shown = []
    for page in range(1, (len(expected) - 1) // PER_PAGE + 2):  # every page
        response = client.get(LIST, {"page": page})
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == len(expected)
        shown += list(response.context["page_obj"].object_list)
    assert [contact.pk for contact in shown] == [contact.pk for contact in expected]
    assert any(contact.last_name.startswith("Through") for contact in shown)


def test_a_search_keeps_the_rule_per_contact_and_finds_the_same(rep, contacts):
    found = contacts_filtered(rep, q="through")
    if connection.vendor == "sqlite":  # PostgreSQL keeps `pk IN (subquery)` for both
        assert "EXISTS" in str(found.query)
        assert "EXISTS" not in str(contacts_filtered(rep).query)
    assert sorted(c.last_name for c in found) == sorted(
        c.last_name for c in contacts_visible_to(rep) if c.last_name.startswith("Through")
    )


def test_the_list_reads_the_same_queries_with_more_contacts(rep, outsider):
    client = client_for(rep)
    client.get(LIST)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, {"page": 2}).status_code == 200
        return len(captured)

    for n in range(30):
        ContactFactory(owner=rep, last_name=f"Few {n:02}")
    few = queries()
    for _ in range(60):
        hidden = ContactFactory(owner=outsider, visibility=Visibility.PRIVATE)
        DealFactory(owner=rep, primary_contact=hidden)
    assert queries() == few
