"""The access policy at the level a person sees it (issue 14, mutation testing): the refusal
says who may open the page, and each role reaches exactly its records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.users import policy
from salesflow.users.models import Visibility
from tests.factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_rep_opening_an_admin_page_is_told_only_an_admin_may(rep):
    response = client_for(rep).get(reverse("quote-settings:product-list"))

    assert response.status_code == 403
    assert "Only an admin may open this page." in response.content.decode()


def test_a_rep_opening_a_manager_page_is_told_who_may(rep, manager):
    response = client_for(rep).get(reverse("lead-settings:index"))

    assert response.status_code == 403
    assert "Only a manager or an admin may open this page." in response.content.decode()
    assert client_for(manager).get(reverse("lead-settings:index")).status_code == 302


def test_an_inactive_admin_reaches_nothing(rep):
    lead = LeadFactory(owner=rep, visibility=Visibility.EVERYONE)
    former = UserFactory(role="admin", is_active=False)

    assert not policy.can_read(former, lead) and not policy.can_write(former, lead)
    assert not policy.users_visible_to(former).exists()


def test_each_role_reads_and_writes_exactly_its_records(rep, teammate, manager, outsider):
    private = LeadFactory(owner=teammate, visibility=Visibility.PRIVATE)
    shared = LeadFactory(owner=teammate, visibility=Visibility.TEAM)
    public = LeadFactory(owner=outsider, visibility=Visibility.EVERYONE)
    other_manager = UserFactory(role="manager", team=TeamFactory(name="West"))

    def reach(user, lead):
        return (policy.can_read(user, lead), policy.can_write(user, lead))

    assert [reach(rep, x) for x in (private, shared, public)] == [
        (False, False), (True, True), (True, False),
    ]  # fmt: skip
    assert [reach(manager, x) for x in (private, shared, public)] == [
        (True, True), (True, True), (True, False),
    ]  # fmt: skip
    assert [reach(other_manager, x) for x in (private, shared, public)] == [
        (False, False), (False, False), (True, False),
    ]  # fmt: skip
