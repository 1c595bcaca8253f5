from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.leads.assignment import lead_assign, lead_route
from salesflow.leads.models import Lead
from salesflow.leads.selectors import leads_queue_for_manager
from salesflow.leads.services import lead_qualify
from salesflow.leads.tests.factories import AssignmentRuleFactory, CompleteBantFactory
from salesflow.users.models import Role
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def queued(team, **fields):
    """A lead nobody owns, waiting in the team's queue."""
    return LeadFactory(owner=None, team=team, **fields)


def test_a_rep_takes_a_lead_from_the_queue(rep, north):
    lead = lead_assign(queued(north), acting_user=rep)
    lead.refresh_from_db()
    assert (lead.owner, lead.team) == (rep, north)
    assert lead.assigned_at is not None


def test_a_manager_assigns_a_lead_to_a_rep_of_the_team(manager, teammate, north):
    lead = lead_assign(queued(north), acting_user=manager, owner=teammate)
    assert lead.owner == teammate


def test_a_lead_cannot_go_to_someone_outside_your_teams(manager, outsider, north):
    with pytest.raises(ValidationError) as exc:
        lead_assign(queued(north), acting_user=manager, owner=outsider)
    assert "owner" in exc.value.message_dict


def test_an_outsider_cannot_assign_a_lead_they_cannot_change(outsider, rep, north):
    lead = LeadFactory(owner=rep)
    with pytest.raises(PermissionDenied):
        lead_assign(lead, acting_user=outsider)
    with pytest.raises(PermissionDenied):
        lead_assign(queued(north), acting_user=outsider)


def test_routing_gives_team_leads_to_its_reps_in_turn(rep, teammate, manager, north):
    AssignmentRuleFactory(team=north, region="Europe")
    UserFactory(username="gone", role=Role.REP, team=north, is_active=False)
    owners = []
    for _ in range(3):
        lead = queued(north, region="europe", status="qualified")
        owners.append(lead_route(lead).owner)
    assert owners == [rep, teammate, rep]  # managers and deactivated reps take no turn


def test_the_first_matching_rule_wins_and_may_name_a_rep(rep, teammate, north, south):
    AssignmentRuleFactory(team=south, industry="Retail", priority=5)
    AssignmentRuleFactory(team=north, size_band="1000+", owner=teammate, priority=10)
    AssignmentRuleFactory(team=north, priority=99)
    big = lead_route(queued(north, size_band="1000+", status="qualified"))
    assert big.owner == teammate
    small = lead_route(queued(north, size_band="1-10", status="qualified"))
    assert small.owner == rep


def test_only_qualified_or_hot_unowned_leads_are_routed(rep, north):
    AssignmentRuleFactory(team=north)
    with pytest.raises(DomainError):
        lead_route(queued(north))  # new and cold
    with pytest.raises(DomainError):
        lead_route(LeadFactory(owner=rep, status="qualified"))
    hot = queued(north)
    Lead.objects.filter(pk=hot.pk).update(grade="hot")
    assert lead_route(hot).owner == rep


def test_qualifying_a_queued_lead_routes_it(rep, manager, north):
    AssignmentRuleFactory(team=north)
    lead = queued(north, qualification=CompleteBantFactory(), visibility="team")
    lead = lead_qualify(lead, acting_user=manager)
    assert lead.owner == rep


def test_without_a_matching_rule_a_qualified_lead_stays_queued(manager, north):
    lead = queued(north, qualification=CompleteBantFactory())
    assert lead_qualify(lead, acting_user=manager).owner is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_leads_routed_at_once_go_to_two_different_reps(rep, teammate, north):
    AssignmentRuleFactory(team=north)
    leads = [queued(north, status="qualified") for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def route(lead):
        try:
            barrier.wait(timeout=10)
            lead_route(lead)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=route, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    owners = {lead.owner for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads])}
    assert owners == {rep, teammate}


def test_the_manager_queue_shows_unowned_and_untouched_hot_leads_oldest_first(
    manager, rep, north, south
):
    now = timezone.now()
    old = queued(north)
    Lead.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=5))
    new = queued(north)
    hot_untouched = LeadFactory(owner=rep)
    Lead.objects.filter(pk=hot_untouched.pk).update(
        grade="hot", assigned_at=now - dt.timedelta(hours=1)
    )
    hot_contacted = LeadFactory(owner=rep)
    Lead.objects.filter(pk=hot_contacted.pk).update(grade="hot", first_response_at=now)
    queued(south)  # another team's queue
    queued(north, status="disqualified")

    queue = list(leads_queue_for_manager(manager, now=now))

    assert queue == [hot_untouched, old, new]
    assert queue[0].age == dt.timedelta(hours=1)
    assert queue[1].age >= dt.timedelta(hours=5)
