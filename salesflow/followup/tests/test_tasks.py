"""The daily follow-up task: one open task per account whose contact fell due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.services import activity_complete, activity_create
from salesflow.customers.models import Account
from salesflow.followup.models import FollowupTask
from salesflow.followup.services import followup_tasks_create
from salesflow.followup.tasks import followup_daily_task
from tests.factories import AccountFactory, ActivityFactory, UserFactory

pytestmark = pytest.mark.django_db


def due_account(owner, *, days_overdue: int, tier: str = "A", **extra) -> Account:
    account = AccountFactory(owner=owner, tier=tier, name="Acme", **extra)
    due = timezone.localdate() - dt.timedelta(days=days_overdue)
    Account.objects.filter(pk=account.pk).update(next_contact_due_on=due)
    account.next_contact_due_on = due
    return account


def test_a_task_is_created_for_the_owner_of_each_account_due_and_only_once(rep):
    account = due_account(rep, days_overdue=2)
    AccountFactory(owner=rep, tier="A")  # not due (no date yet)
    later = due_account(rep, days_overdue=-3)  # due in three days

    assert followup_tasks_create() == 1
    assert followup_tasks_create() == 0  # idempotent

    task = Activity.objects.get(type="task")
    assert task.owner == rep
    assert task.account == account
    assert task.subject == "Visit Acme: due every 14 days"
    assert task.done_at is None
    assert timezone.localdate(task.due_at) == account.next_contact_due_on
    assert not FollowupTask.objects.filter(account=later).exists()


def test_closing_the_task_without_contact_does_not_create_it_again_for_the_same_due_day(rep):
    due_account(rep, days_overdue=1)
    followup_tasks_create()
    activity_complete(Activity.objects.get(type="task"), acting_user=rep)

    assert followup_tasks_create() == 0


def test_after_a_contact_the_next_due_day_gets_its_own_task(rep):
    account = due_account(rep, days_overdue=1)
    followup_tasks_create()
    activity_create(
        acting_user=rep,
        type="visit",
        subject="Visited",
        account=account,
        done_at=timezone.now() - dt.timedelta(days=20),
    )
    activity_complete(Activity.objects.get(type="task"), acting_user=rep)

    assert followup_tasks_create() == 1
    assert FollowupTask.objects.filter(account=account).count() == 2


def test_accounts_without_an_active_owner_get_no_task(rep):
    gone = UserFactory(username="gone", is_active=False)
    due_account(gone, days_overdue=3)
    due_account(None, days_overdue=3, team=None)

    assert followup_tasks_create() == 0


def test_the_worker_task_runs_the_daily_follow_up(rep, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    account = AccountFactory(owner=rep, tier="A")
    # Last visited 20 days ago, written around the services: the daily run catches up.
    ActivityFactory(
        owner=rep, deal=None, account=account, type="visit",
        done_at=timezone.now() - dt.timedelta(days=20),
    )  # fmt: skip

    result = followup_daily_task.enqueue()

    assert result.return_value["tasks_created"] == 1


def test_an_open_follow_up_task_keeps_a_new_one_from_being_made(rep):
    account = due_account(rep, days_overdue=1)
    followup_tasks_create()
    # The due day moves on (a cadence change, say) while the first task is still open.
    Account.objects.filter(pk=account.pk).update(next_contact_due_on=timezone.localdate())

    assert followup_tasks_create() == 0
    assert Activity.objects.filter(type="task").count() == 1


def test_a_deleted_follow_up_task_is_not_made_again_for_the_same_due_day(rep):
    from salesflow.activities.services import activity_delete

    account = AccountFactory(owner=rep, tier="A")
    activity_create(
        acting_user=rep, type="visit", subject="Visited", account=account,
        done_at=timezone.now() - dt.timedelta(days=20),
    )  # fmt: skip
    assert followup_tasks_create() == 1
    activity_delete(Activity.objects.get(type="task"), acting_user=rep)

    assert followup_tasks_create() == 0
    assert not Activity.objects.filter(type="task").exists()


def test_after_a_deleted_task_the_next_due_day_gets_a_task_again(rep):
    from salesflow.activities.services import activity_delete

    account = due_account(rep, days_overdue=1)
    followup_tasks_create()
    activity_delete(Activity.objects.get(type="task"), acting_user=rep)
    Account.objects.filter(pk=account.pk).update(next_contact_due_on=timezone.localdate())

    assert followup_tasks_create() == 1
