from __future__ import annotations

import pytest

from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users import policy
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_rep_reads_and_changes_own_and_team_shared_deals(rep, teammate, outsider):
    own = DealFactory(owner=rep)
    shared = DealFactory(owner=teammate, visibility=Visibility.TEAM)
    private = DealFactory(owner=teammate, visibility=Visibility.PRIVATE)
    foreign = DealFactory(owner=outsider)
    visible = set(deals_visible_to(rep))
    assert visible == {own, shared}
    assert policy.can_write(rep, shared)
    assert not policy.can_read(rep, private)
    assert not policy.can_read(rep, foreign)


def test_everyone_visibility_is_read_only_outside_the_team(rep, outsider):
    public = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    assert public in deals_visible_to(rep)
    assert policy.can_read(rep, public)
    assert not policy.can_write(rep, public)


def test_manager_reaches_every_record_of_their_team_even_private(manager, rep, outsider):
    private = DealFactory(owner=rep, visibility=Visibility.PRIVATE)
    foreign = DealFactory(owner=outsider)
    assert set(deals_visible_to(manager)) == {private}
    assert policy.can_write(manager, private)
    assert not policy.can_read(manager, foreign)


def test_admin_reaches_everything_and_inactive_user_nothing(admin_user, rep, outsider):
    deals = {DealFactory(owner=rep), DealFactory(owner=outsider)}
    assert set(deals_visible_to(admin_user)) == deals
    rep.is_active = False
    assert not deals_visible_to(rep).exists()
    assert not policy.can_read(rep, next(iter(deals)))


def test_contact_and_account_are_readable_through_a_readable_deal(rep, outsider):
    contact = ContactFactory(owner=outsider, visibility=Visibility.PRIVATE)
    deal = DealFactory(owner=rep, account=contact.account, primary_contact=contact)
    unrelated = ContactFactory(owner=outsider)
    assert contact in contacts_visible_to(rep)
    assert unrelated not in contacts_visible_to(rep)
    assert deal.account in accounts_visible_to(rep)
    assert unrelated.account not in accounts_visible_to(rep)
    assert not policy.can_write(rep, contact)


def test_unowned_team_queue_record_is_reachable_by_the_team(rep, outsider, north):
    queued = AccountFactory(owner=None, team=north)
    assert queued in accounts_visible_to(rep)
    assert queued not in accounts_visible_to(outsider)


def test_manager_pages_admit_managers_and_admins_only(rep, manager, admin_user):
    from salesflow.core.errors import AccessDenied

    policy.require_manager(manager)
    policy.require_manager(admin_user)
    with pytest.raises(AccessDenied, match="manager or an admin may edit the library"):
        policy.require_manager(rep, what="edit the library")
    manager.is_active = False
    with pytest.raises(AccessDenied):
        policy.require_manager(manager)
