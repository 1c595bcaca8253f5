"""The policy's helpers for people and team filters (issue 14, mutation testing of
`users/policy.py`): the admin refusal word for word, a person without a team still sees
themselves, and the team filter marks the user's own teams and fills their team cache."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesflow.api.tests.conftest import ApiClient
from salesflow.customers.models import Account
from salesflow.leads.models import Lead
from salesflow.users import policy
from salesflow.users.models import User, Visibility
from tests.factories import AccountFactory, DealFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_rep_refused_an_admin_action_is_told_exactly_who_may(rep):
    answer = ApiClient(rep).post("/products", {"name": "X", "unit_price": "1"})

    assert answer.status_code == 403
    assert answer.json() == {"detail": "Only an admin may open this page."}


def test_a_person_without_a_team_still_sees_themselves_among_the_people(db):
    loner = UserFactory(username="loner", role="rep")
    loner.teams.clear()
    fresh = User.objects.get(pk=loner.pk)

    assert list(policy.users_visible_to(fresh)) == [loner]


def test_the_team_filter_marks_the_users_own_teams_and_fills_their_team_cache(rep, outsider):
    fresh = User.objects.get(pk=rep.pk)

    teams = policy.teams_marking_own(fresh)

    assert [(team.name, team.is_own) for team in teams] == [("North", True), ("South", False)]
    with CaptureQueriesContext(connection) as queries:
        assert policy.team_ids_of(fresh) == [teams[0].pk]
    assert len(queries) == 0


def test_nobody_writes_a_record_without_a_team_but_its_owner_and_admins(rep, teammate, manager):
    lead = LeadFactory(owner=teammate, team=None, visibility=Visibility.TEAM)

    assert not policy.can_write(rep, lead) and not policy.can_write(manager, lead)
    assert policy.can_write(teammate, lead)


def test_an_inactive_user_lists_nothing_even_an_admin_or_what_everyone_may_read(rep):
    LeadFactory(owner=rep, visibility=Visibility.EVERYONE)
    for role in ("rep", "admin"):
        former = UserFactory(role=role, is_active=False)
        assert not Lead.objects.filter(policy.readable_q(former)).exists()
        assert not Lead.objects.filter(policy.writable_q(former)).exists()


def test_a_manager_changes_their_own_records_outside_the_teams_they_manage(manager, south):
    own = LeadFactory(owner=manager, team=south, visibility=Visibility.PRIVATE)

    assert list(Lead.objects.filter(policy.writable_q(manager))) == [own]


def test_a_fresh_users_teams_are_read_from_the_database(rep, north):
    assert policy.team_ids_of(User.objects.get(pk=rep.pk)) == [north.pk]


# Session 13: the last survivors of the policy (docs/testing.md).


def test_an_inactive_rep_may_change_not_even_their_own_records(rep):
    own = LeadFactory(owner=rep, visibility=Visibility.PRIVATE)
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    former = User.objects.get(pk=rep.pk)

    assert not Lead.objects.filter(policy.writable_q(former)).exists()
    assert not policy.can_write(former, own)


def test_through_a_relation_a_rep_reads_the_account_of_their_own_private_deal(rep, outsider):
    account = AccountFactory(owner=outsider, visibility=Visibility.PRIVATE)
    DealFactory(owner=rep, account=account, visibility=Visibility.PRIVATE)
    other = AccountFactory(owner=outsider, visibility=Visibility.PRIVATE)

    through_deals = Account.objects.filter(policy.readable_q(rep, "deals__")).distinct()

    assert list(through_deals) == [account]
    assert other not in through_deals


def test_a_user_not_saved_yet_is_in_no_team(db):
    assert policy.team_ids_of(User(username="new", role="rep")) == []
    assert policy.managed_team_ids(User(username="boss", role="manager")) == []
