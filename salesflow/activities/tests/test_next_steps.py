"""Completing an activity with its next step, and the deal's next step kept true on every path
that adds or removes activities (cascades, a won deal's hand-over)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.services import activity_complete_with_next_step, activity_create
from salesflow.customers.services import contact_delete
from salesflow.leads.services import lead_delete
from salesflow.pipeline import closing
from salesflow.pipeline.conversion import lead_convert
from salesflow.pipeline.models import Deal, Outcome
from salesflow.pipeline.selectors import deal_next_step_state, deals_needing_next_step
from salesflow.pipeline.services import deal_close
from salesflow.pipeline.tests.test_conversion import qualified_lead
from salesflow.users.models import Visibility
from tests.factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _fresh(record):
    return type(record).objects.get(pk=record.pk)


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep, name="Fleet renewal")


@pytest.fixture
def call(rep, deal):
    contact = ContactFactory(owner=rep, account=deal.account)
    return activity_create(
        acting_user=rep,
        type="call",
        subject="Call the buyer",
        deal=deal,
        contact=contact,
        due_at=timezone.now() - dt.timedelta(hours=1),
        visibility=Visibility.PRIVATE,
    )


def test_the_follow_up_inherits_links_owner_and_sharing_and_becomes_the_deals_next_step(
    rep, manager, deal, call
):
    due = timezone.now() + dt.timedelta(days=3)
    completed = activity_complete_with_next_step(
        call,
        acting_user=manager,  # the rep's manager closes it out for them
        outcome="Wants a demo",
        next_step={"type": "demo", "subject": "Demo the routing", "due_at": due},
    )
    follow_up = completed.follow_up
    assert _fresh(call).done_at is not None and _fresh(call).outcome == "Wants a demo"
    assert (follow_up.deal, follow_up.contact, follow_up.account) == (
        deal,
        call.contact,
        deal.account,
    )
    assert (follow_up.owner, follow_up.team, follow_up.visibility) == (
        rep,
        call.team,
        Visibility.PRIVATE,
    )
    assert follow_up.follows == call and list(call.followed_by.all()) == [follow_up]
    assert (_fresh(deal).open_activity_count, _fresh(deal).next_activity_at) == (1, due)
    assert deal_next_step_state(_fresh(deal)) == "planned"


def test_a_call_needs_a_next_step_or_a_reason_why_not(rep, deal, call):
    with pytest.raises(ValidationError) as refused:
        activity_complete_with_next_step(call, acting_user=rep, outcome="Reached")
    assert "next_step" in refused.value.message_dict
    assert _fresh(call).done_at is None

    activity_complete_with_next_step(call, acting_user=rep, no_next_step_reason="Bought elsewhere")

    assert _fresh(call).no_next_step_reason == "Bought elsewhere"
    assert deal_next_step_state(_fresh(deal)) == "none"


def test_an_email_or_task_may_be_done_without_a_next_step(rep, deal):
    task = activity_create(acting_user=rep, type="task", subject="Send the deck", deal=deal)
    completed = activity_complete_with_next_step(task, acting_user=rep)
    assert completed.follow_up is None and _fresh(task).done_at is not None


def test_a_next_step_and_a_reason_together_are_refused(rep, call):
    with pytest.raises(ValidationError) as refused:
        activity_complete_with_next_step(
            call,
            acting_user=rep,
            next_step={"type": "call", "subject": "x", "due_at": timezone.now()},
            no_next_step_reason="None",
        )
    assert "no_next_step_reason" in refused.value.message_dict


def test_a_refused_follow_up_leaves_the_activity_open(rep, deal, call):
    with pytest.raises(ValidationError) as refused:
        activity_complete_with_next_step(
            call,
            acting_user=rep,
            next_step={"type": "invitation", "subject": "Webinar", "due_at": timezone.now()},
        )
    assert "next_invitation_reason" in refused.value.message_dict
    assert _fresh(call).done_at is None  # one transaction: nothing was done
    assert not Activity.objects.filter(follows=call).exists()
    assert _fresh(deal).open_activity_count == 1


def test_completing_a_copy_read_before_another_completion_is_refused_as_already_done(rep, call):
    # Two tabs read the call while it was open; the second completion must not plan a 2nd step.
    first, second = _fresh(call), _fresh(call)
    step = {"type": "demo", "subject": "Demo", "due_at": timezone.now() + dt.timedelta(days=1)}
    activity_complete_with_next_step(first, acting_user=rep, next_step=step)
    with pytest.raises(ValidationError) as refused:
        activity_complete_with_next_step(
            second, acting_user=rep, outcome="Again", next_step={**step, "subject": "Demo 2"}
        )
    assert refused.value.message_dict == {"done_at": ["This activity is already done."]}
    assert list(Activity.objects.filter(follows=call).values_list("subject", flat=True)) == ["Demo"]
    assert _fresh(call).outcome == ""


def test_a_next_step_without_subject_or_date_is_refused_field_by_field(rep, call):
    with pytest.raises(ValidationError) as refused:
        activity_complete_with_next_step(call, acting_user=rep, next_step={"type": "call"})
    assert set(refused.value.message_dict) == {"next_subject", "next_due_at"}


def test_deleting_a_contact_recounts_the_deals_its_activities_were_on(
    rep, deal, call, django_capture_on_commit_callbacks
):
    assert _fresh(deal).open_activity_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(call.contact, acting_user=rep)
    assert not Activity.objects.filter(pk=call.pk).exists()
    assert (_fresh(deal).open_activity_count, _fresh(deal).next_activity_at) == (0, None)


def test_deleting_a_lead_recounts_the_deals_its_activities_were_on(
    rep, deal, django_capture_on_commit_callbacks
):
    lead = LeadFactory(owner=rep)
    ActivityFactory(owner=rep, deal=deal, lead=lead, due_at=timezone.now())
    assert _fresh(deal).open_activity_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        lead_delete(lead, acting_user=rep)
    assert _fresh(deal).open_activity_count == 0


def test_a_won_deals_hand_over_task_is_counted(manager, deal, monkeypatch):
    # No hooks: others may add tasks through the services, which count anyway.
    monkeypatch.setattr(closing, "deal_won_hooks", [])
    deal_close(deal, outcome=Outcome.WON, acting_user=manager, override_reason="Signed today")
    deal = _fresh(deal)
    open_ones = deal.activities.filter(done_at__isnull=True)
    assert open_ones.filter(subject="Hand over to delivery").exists()
    assert deal.open_activity_count == open_ones.count()


def test_deals_needing_a_next_step_are_open_ones_without_one_or_with_an_overdue_one(rep):
    now = timezone.now()
    bare = DealFactory(owner=rep)
    late = DealFactory(owner=rep)
    ActivityFactory(owner=rep, deal=late, due_at=now - dt.timedelta(days=1))
    planned = DealFactory(owner=rep)
    ActivityFactory(owner=rep, deal=planned, due_at=now + dt.timedelta(days=1))
    undated = DealFactory(owner=rep)
    ActivityFactory(owner=rep, deal=undated, due_at=None)
    assert {d.pk for d in deals_needing_next_step(rep, owner=rep)} == {bare.pk, late.pk}
    states = {d.pk: deal_next_step_state(d) for d in Deal.objects.all()}
    assert states[bare.pk] == "none" and states[late.pk] == "overdue"
    assert states[planned.pk] == "planned" and states[undated.pk] == "planned"


def test_a_converted_leads_open_activities_become_the_new_deals_next_step(rep):
    lead = qualified_lead(rep)
    due = timezone.now() + dt.timedelta(days=2)
    activity_create(acting_user=rep, type="call", subject="Call back", lead=lead, due_at=due)

    _, _, deal = lead_convert(lead, acting_user=rep)

    deal = _fresh(deal)
    assert (deal.open_activity_count, deal.next_activity_at) == (1, due)
    assert deal_next_step_state(deal) == "planned"
