"""First-meeting judgment and the next action it recommends, created as a task in one call."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.playbooks.configuration import next_action_rule_disable, next_action_rule_set
from salesflow.playbooks.models import CustomerState, NextActionRule
from salesflow.playbooks.selectors import first_meeting_latest, next_action_for
from salesflow.playbooks.services import first_meeting_record, next_action_create_task
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep)


def test_every_customer_state_has_a_seeded_next_action():
    rules = {rule.state: (rule.action, rule.activity_type) for rule in NextActionRule.objects.all()}
    assert rules == {
        "no_demand": ("Start the nurture cadence", "email"),
        "preliminary_demand": ("Book the needs assessment meeting", "meeting"),
        "clear_demand": ("Schedule the presentation / demo", "demo"),
        "evaluating_competitors": ("Build the competitive plan", "task"),
    }


def test_the_latest_judgment_is_the_customer_state(rep, deal):
    first_meeting_record(
        deal, state=CustomerState.NO_DEMAND, notes="Happy with supplier", acting_user=rep
    )
    later = first_meeting_record(deal, state=CustomerState.PRELIMINARY_DEMAND, acting_user=rep)
    assert first_meeting_latest(deal) == later
    assert next_action_for(deal).action == "Book the needs assessment meeting"


def test_an_unknown_state_is_refused(rep, deal):
    with pytest.raises(ValidationError) as exc:
        first_meeting_record(deal, state="curious", acting_user=rep)
    assert "state" in exc.value.message_dict


def test_the_recommended_task_is_created_in_one_call(rep, teammate, deal):
    first_meeting_record(deal, state=CustomerState.EVALUATING_COMPETITORS, acting_user=rep)
    at = timezone.now()
    task = next_action_create_task(deal, acting_user=teammate, at=at)
    assert (task.type, task.subject, task.deal, task.owner) == (
        "task",
        "Build the competitive plan",
        deal,
        rep,
    )
    assert task.due_at == at + dt.timedelta(days=2)
    assert "competitor" in task.body and task.account == deal.account


def test_without_a_judgment_there_is_no_next_action(rep, deal):
    with pytest.raises(DomainError) as exc:
        next_action_create_task(deal, acting_user=rep)
    assert exc.value.missing[0]["code"] == "first_meeting"
    assert not deal.activities.exists()


def test_a_state_without_an_active_rule_is_explained(rep, admin_user, deal):
    rule = NextActionRule.objects.get(state="no_demand", is_active=True)
    next_action_rule_disable(rule, acting_user=admin_user)
    first_meeting_record(deal, state=CustomerState.NO_DEMAND, acting_user=rep)
    with pytest.raises(DomainError) as exc:
        next_action_create_task(deal, acting_user=rep)
    assert "No demand" in exc.value.message


def test_an_admin_replaces_a_state_s_rule(admin_user, rep, deal):
    next_action_rule_set(
        state="clear_demand",
        action="Book a workshop",
        activity_type="meeting",
        due_in_days=1,
        acting_user=admin_user,
    )
    assert NextActionRule.objects.filter(state="clear_demand", is_active=True).count() == 1
    first_meeting_record(deal, state=CustomerState.CLEAR_DEMAND, acting_user=rep)
    task = next_action_create_task(deal, acting_user=rep)
    assert (task.subject, task.type) == ("Book a workshop", "meeting")
    with pytest.raises(AccessDenied):
        next_action_rule_set(state="clear_demand", action="X", acting_user=rep)


def test_an_outsider_cannot_record_a_judgment_or_create_the_task(rep, outsider):
    deal = DealFactory(owner=rep, visibility="everyone")
    with pytest.raises(AccessDenied):
        first_meeting_record(deal, state=CustomerState.CLEAR_DEMAND, acting_user=outsider)
    first_meeting_record(deal, state=CustomerState.CLEAR_DEMAND, acting_user=rep)
    with pytest.raises(AccessDenied):
        next_action_create_task(deal, acting_user=outsider)
