"""The daily digest, read from what a real SMTP server received."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from salesflow.customers.models import Account
from salesflow.followup.digest import digest_build, digests_send
from salesflow.followup.models import DigestSent
from salesflow.followup.tasks import digest_task
from salesflow.pipeline.models import Outcome
from salesflow.users.models import User
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_without_work(north):
    return UserFactory(username="idle", team=north)


@pytest.fixture
def due_work(rep):
    """The rep has an overdue call on a deal (so the deal has a next step, overdue)."""
    return ActivityFactory(
        owner=rep, subject="Call Ada back", due_at=timezone.now() - dt.timedelta(days=1)
    )


def send(day=None):
    return digests_send(day=day)


def test_a_digest_reaches_each_user_with_due_work_and_nobody_else(
    smtp_server, rep, teammate, rep_without_work, due_work, settings
):
    settings.SALESFLOW_SITE_URL = "https://crm.example.com"
    DealFactory(owner=teammate, name="Quiet deal")  # no next step

    run = send()

    assert run.sent == 2
    assert smtp_server.recipients() == {rep.email, teammate.email}
    mail = smtp_server.to(rep.email)[0]
    assert "Call Ada back" in mail.text()
    assert "overdue" in mail.text()
    assert f"https://crm.example.com/activities/{due_work.pk}/" in mail.text()
    assert 'href="https://crm.example.com/' in mail.html()
    assert "Quiet deal: no next step planned" in smtp_server.to(teammate.email)[0].text()


def test_never_twice_the_same_day(smtp_server, rep, due_work):
    assert send().sent == 1
    assert send().sent == 0
    call_command("digest", stdout=io.StringIO())

    assert len(smtp_server.received) == 1
    assert DigestSent.objects.filter(user=rep, day=timezone.localdate()).count() == 1


def test_a_server_that_is_down_records_nothing_and_the_next_run_sends(smtp_server, rep, due_work):
    smtp_server.stop()
    run = send()
    assert (run.sent, run.failed) == (0, 1)
    assert not DigestSent.objects.exists()

    smtp_server.start()
    assert send().sent == 1
    assert smtp_server.recipients() == {rep.email}


def test_accounts_due_rotting_deals_birthdays_and_anniversaries_are_listed(smtp_server, rep, north):
    today = timezone.localdate()
    account = AccountFactory(owner=rep, name="Acme Logistics", tier="B")
    Account.objects.filter(pk=account.pk).update(next_contact_due_on=today)
    deal = DealFactory(owner=rep, account=account, name="Fleet renewal")
    deal.stage_entered_at = timezone.now() - dt.timedelta(days=400)
    deal.save()
    ContactFactory(
        owner=rep, first_name="Grace", last_name="Hopper", birthday=dt.date(1970, 1, 1)
        + (today + dt.timedelta(days=3) - dt.date(today.year, 1, 1)),
    )  # fmt: skip
    first_win = today.replace(year=today.year - 3) + dt.timedelta(days=2)
    DealFactory(
        owner=rep, account=account, outcome=Outcome.WON, name="First order",
        closed_at=timezone.now() - dt.timedelta(days=3 * 365), closed_on=first_win,
    )  # fmt: skip

    digest = digest_build(rep, day=today)
    counts = {section.key: section.count for section in digest.sections}

    assert counts["accounts"] == 1
    assert counts["rotting"] == 1
    assert counts["birthdays"] == 1
    assert counts["anniversaries"] == 1
    send()
    text = smtp_server.to(rep.email)[0].text()
    assert "Acme Logistics (tier B)" in text
    assert "Fleet renewal: Idle" in text
    assert "Grace Hopper" in text
    assert "Acme Logistics: 3 years a customer" in text


def test_the_command_sends_for_a_given_date_and_says_how_many(smtp_server, rep, due_work):
    out = io.StringIO()
    call_command("digest", "--date", "2030-01-02", stdout=out)

    assert "1 digest sent" in out.getvalue()
    assert DigestSent.objects.get().day == dt.date(2030, 1, 2)
    with pytest.raises(CommandError):
        call_command("digest", "--date", "tomorrow", stdout=io.StringIO())


def test_the_scheduled_task_waits_for_the_digest_hour(smtp_server, rep, due_work, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SALESFLOW_DIGEST_HOUR = 24  # never reached
    assert digest_task.enqueue().return_value["sent"] == 0

    settings.SALESFLOW_DIGEST_HOUR = 0
    assert digest_task.enqueue().return_value["sent"] == 1
    assert smtp_server.recipients() == {rep.email}


def test_salesflow_digest_on_the_demo_data_reaches_each_user_with_due_work(smtp_server):
    call_command("demo", "--scale", "0.05", stdout=io.StringIO())
    today = timezone.localdate()
    with_work = {
        user.email
        for user in User.objects.filter(is_active=True).exclude(email="")
        if not digest_build(user, day=today).is_empty
    }
    assert len(with_work) >= 4  # every seller has something due in the demo

    out = io.StringIO()
    call_command("digest", stdout=out)

    assert smtp_server.recipients() == with_work
    assert f"{len(with_work)} digests sent" in out.getvalue()
    assert all(mail.html() and mail.text() for mail in smtp_server.received)


def test_a_customer_won_this_week_has_no_anniversary_yet_and_one_next_year_does(rep):
    today = timezone.localdate()
    fresh = AccountFactory(owner=rep, name="Fresh Customer")
    DealFactory(
        owner=rep, account=fresh, outcome=Outcome.WON, name="Just signed",
        closed_at=timezone.now(), closed_on=today,
    )  # fmt: skip
    counts = {s.key: s.count for s in digest_build(rep, day=today).sections}
    assert counts["anniversaries"] == 0

    digest = digest_build(rep, day=today.replace(year=today.year + 1))
    (section,) = [s for s in digest.sections if s.key == "anniversaries"]
    assert section.rows[0]["text"] == "Fresh Customer: 1 year a customer"
