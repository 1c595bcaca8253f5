"""Sending campaigns to a real local SMTP server (aiosmtpd): consent, throttle, a server that is
down, bounces, and nobody ever getting the same email twice."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tasks_db.models import get_date_max

from salesflow.activities.models import Activity
from salesflow.outreach.models import MailingStatus, Recipient, Unsubscription
from salesflow.outreach.services import (
    mailing_resume,
    mailing_send,
    mailing_send_batch,
    mailings_restart_lost,
)
from salesflow.outreach.tests.conftest import contact, send_runs

pytestmark = pytest.mark.django_db


def _statuses(mailing):
    return dict(Recipient.objects.filter(mailing=mailing).values_list("email", "status"))


def test_campaign_reaches_only_contacts_who_may_get_marketing_email(
    rep, mailing, smtp_server, django_capture_on_commit_callbacks
):
    ada = contact(rep, "ada@example.org", first_name="Ada", last_name="Alpha", company="Acme")
    contact(rep, "dnc@example.org", do_not_contact=True)
    contact(rep, "noconsent@example.org", has_consent=False)
    gone = contact(rep, "gone@example.org")
    Unsubscription.objects.create(contact=gone, email=gone.email, unsubscribed_at=timezone.now())
    contact(rep, "", first_name="Nomail")
    contact(rep, "ADA@example.org", first_name="Twin", last_name="Zulu")  # the same person twice
    with django_capture_on_commit_callbacks(execute=True):
        mailing_send(mailing, acting_user=rep, site_url="https://crm.example.com")
    mailing_send_batch(mailing.pk)

    assert smtp_server.recipients() == {"ada@example.org"}
    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.subject == "News for Acme"
    assert "Hello Ada," in mail.text()
    assert f"{rep.get_full_name()}" in mail.text()
    assert re.search(r"https://crm\.example\.com/outreach/unsubscribe/\S+/", mail.text())
    assert (
        str(mail.message["List-Unsubscribe"])
        .strip()
        .startswith("<https://crm.example.com/outreach/")
    )
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE
    reasons = dict(Recipient.objects.filter(mailing=mailing).values_list("email", "reason"))
    assert reasons == {
        "ada@example.org": "",
        "dnc@example.org": "do_not_contact",
        "noconsent@example.org": "no_consent",
        "gone@example.org": "unsubscribed",
        "": "no_email",
        "ADA@example.org": "duplicate_email",
    }
    # The email is on Ada's timeline, done, with its subject.
    email = Activity.objects.get(contact=ada)
    assert (email.type, email.subject, email.account_id) == (
        "email",
        "News for Acme",
        ada.account_id,
    )
    assert email.done_at is not None
    assert Activity.objects.filter(type="email").count() == 1


def test_campaign_goes_only_to_contacts_the_sender_may_read(rep, outsider, mailing, smtp_server):
    contact(rep, "mine@example.org")
    contact(outsider, "theirs@example.org")
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    assert smtp_server.recipients() == {"mine@example.org"}
    assert set(_statuses(mailing)) == {"mine@example.org"}


def test_consent_withdrawn_after_the_start_is_honoured_before_sending(rep, mailing, smtp_server):
    late = contact(rep, "late@example.org")
    mailing_send(mailing, acting_user=rep)
    late.do_not_contact = True
    late.save()
    mailing_send_batch(mailing.pk)
    assert smtp_server.received == []
    assert Recipient.objects.get(mailing=mailing).reason == "do_not_contact"


def test_batches_are_throttled_to_the_rate_per_minute(
    rep, mailing, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SALESFLOW_EMAIL_RATE_PER_MINUTE = 2
    for n in range(5):
        contact(rep, f"c{n}@example.org")
    mailing_send(mailing, acting_user=rep)
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        result = mailing_send_batch(mailing.pk, now=started)
    assert result.sent == 2
    assert len(smtp_server.received) == 2
    follow_up = send_runs()[-1]
    assert follow_up.run_after == started + dt.timedelta(minutes=1)
    assert follow_up.args_kwargs["args"][0] == mailing.pk
    mailing_send_batch(mailing.pk)
    mailing_send_batch(mailing.pk)
    assert len(smtp_server.received) == 5
    assert len(smtp_server.recipients()) == 5
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE


def test_a_server_down_pauses_the_campaign_and_the_retry_sends_nobody_twice(
    rep, mailing, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SALESFLOW_EMAIL_RATE_PER_MINUTE = 3
    settings.SALESFLOW_EMAIL_RETRY_MINUTES = 7
    addresses = [f"p{n}@example.org" for n in range(7)]
    for address in addresses:
        contact(rep, address)
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    assert len(smtp_server.received) == 3

    smtp_server.stop()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        result = mailing_send_batch(mailing.pk, now=now)
    mailing.refresh_from_db()
    assert result.paused and mailing.status == MailingStatus.PAUSED
    assert "mail server" in mailing.last_error
    assert send_runs()[-1].run_after == now + dt.timedelta(minutes=7)
    assert list(_statuses(mailing).values()).count("pending") == 4

    smtp_server.start()
    mailing_send_batch(mailing.pk)  # the retry the pause enqueued
    mailing_send_batch(mailing.pk)
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE
    assert sorted(m.envelope_to[0] for m in smtp_server.received) == sorted(addresses)


def test_a_server_failing_mid_batch_pauses_without_losing_or_repeating_anyone(
    rep, mailing, smtp_server
):
    for n in range(5):
        contact(rep, f"m{n}@example.org")
    handler = smtp_server.handler
    accept = handler.handle_DATA

    async def tired(server, session, envelope):
        if len(handler.received) >= 2:
            return "421 Too busy, closing"
        return await accept(server, session, envelope)

    handler.handle_DATA = tired
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.PAUSED
    assert len(smtp_server.received) == 2

    handler.handle_DATA = accept
    mailing_resume(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    assert sorted(m.envelope_to[0] for m in smtp_server.received) == [
        f"m{n}@example.org" for n in range(5)
    ]
    assert set(_statuses(mailing).values()) == {"sent"}


def test_a_refused_recipient_is_bounced_and_the_others_still_get_it(rep, mailing, smtp_server):
    contact(rep, "ok@example.org")
    contact(rep, "nobody@example.org")

    async def handle_RCPT(server, session, envelope, address, options):
        if address == "nobody@example.org":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handler.handle_RCPT = handle_RCPT
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    assert smtp_server.recipients() == {"ok@example.org"}
    row = Recipient.objects.get(mailing=mailing, email="nobody@example.org")
    assert row.status == "bounced" and "550" in row.error and row.bounced_at
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE


def test_a_row_claimed_by_another_worker_is_not_sent_again(rep, mailing, smtp_server):
    contact(rep, "claimed@example.org")
    contact(rep, "free@example.org")
    mailing_send(mailing, acting_user=rep)
    Recipient.objects.filter(email="claimed@example.org").update(
        status="sending", claimed_at=timezone.now()
    )
    mailing_send_batch(mailing.pk)
    assert smtp_server.recipients() == {"free@example.org"}
    # A worker that died with the row claimed: marked failed later, never sent.
    mailing_send_batch(mailing.pk, now=timezone.now() + dt.timedelta(hours=1))
    assert _statuses(mailing)["claimed@example.org"] == "failed"
    assert smtp_server.recipients() == {"free@example.org"}


def test_a_campaign_is_sent_once(rep, mailing, smtp_server):
    contact(rep, "once@example.org")
    mailing_send(mailing, acting_user=rep)
    with pytest.raises(Exception, match="sent already"):
        mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    mailing_send_batch(mailing.pk)
    assert len(smtp_server.received) == 1


def test_lost_runs_are_restarted_by_the_schedule(rep, mailing, django_capture_on_commit_callbacks):
    mailing_send(mailing, acting_user=rep)
    assert mailings_restart_lost() == []
    later = timezone.now() + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert mailings_restart_lost(now=later) == [mailing.pk]
    assert send_runs()[-1].args_kwargs["args"][0] == mailing.pk


def test_unsubscribed_contacts_with_new_consent_get_mail_again(rep, mailing, smtp_server):
    back = contact(rep, "back@example.org")
    Unsubscription.objects.create(
        contact=back, email=back.email, unsubscribed_at=timezone.now() - dt.timedelta(days=3)
    )
    back.consent_at = timezone.now()
    back.save()
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    assert smtp_server.recipients() == {"back@example.org"}


def test_two_workers_on_the_same_campaign_never_send_a_row_twice(
    rep, mailing, smtp_server, monkeypatch
):
    from salesflow.outreach import services

    for n in range(4):
        contact(rep, f"w{n}@example.org")
    mailing_send(mailing, acting_user=rep)
    build = services._message
    raced = []

    def message_while_another_worker_runs(*args, **kwargs):
        if not raced:  # the second worker read the same waiting rows and runs meanwhile
            raced.append(True)
            mailing_send_batch(mailing.pk)
        return build(*args, **kwargs)

    monkeypatch.setattr(services, "_message", message_while_another_worker_runs)
    mailing_send_batch(mailing.pk)
    received = [m.envelope_to[0] for m in smtp_server.received]
    assert sorted(received) == [f"w{n}@example.org" for n in range(4)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_a_campaign_started_on_its_page(rep, template, segment, smtp_server):
    from django.core.management import call_command
    from django.urls import reverse

    from conftest import client_for
    from salesflow.outreach.services import mailing_create

    mailing = mailing_create(
        acting_user=rep, name="Live", kind="newsletter", template=template, segment=segment
    )
    contact(rep, "live@example.org")
    response = client_for(rep).post(reverse("outreach:campaign-send", args=[mailing.pk]))
    assert response.status_code == 302
    call_command("worker", "--batch", verbosity=0)
    assert smtp_server.recipients() == {"live@example.org"}
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE


def test_resume_button_sends_the_rest_of_a_paused_campaign(
    rep, mailing, smtp_server, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from conftest import client_for

    contact(rep, "wait@example.org")
    mailing_send(mailing, acting_user=rep)
    smtp_server.stop()
    mailing_send_batch(mailing.pk)
    smtp_server.start()
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.PAUSED
    page = client_for(rep).get(mailing.get_absolute_url()).content.decode()
    assert "Resume" in page and "mail server" in page
    with django_capture_on_commit_callbacks(execute=True):
        client_for(rep).post(reverse("outreach:campaign-resume", args=[mailing.pk]))
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENDING
    assert send_runs()[-1].run_after == get_date_max()  # at once
    mailing_send_batch(mailing.pk)
    assert smtp_server.recipients() == {"wait@example.org"}


def test_a_retry_left_waiting_after_resume_does_not_start_a_second_chain(
    rep, mailing, smtp_server, settings, django_capture_on_commit_callbacks
):
    from salesflow.outreach.tasks import mailing_send_task

    settings.SALESFLOW_EMAIL_RATE_PER_MINUTE = 1
    contact(rep, "a@example.org")
    contact(rep, "b@example.org")
    mailing_send(mailing, acting_user=rep)
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        mailing_send_batch(mailing.pk)  # paused: a retry is queued
    retry = send_runs()[-1]
    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        mailing_resume(mailing, acting_user=rep)
    resumed = send_runs()[-1]
    with django_capture_on_commit_callbacks(execute=True):
        assert mailing_send_task.call(*resumed.args_kwargs["args"])["sent"] == 1
        # The old retry comes due: its plan is outdated, it sends nothing.
        assert mailing_send_task.call(*retry.args_kwargs["args"])["sent"] == 0
    assert len(smtp_server.received) == 1
    following = send_runs()[-1]
    assert mailing_send_task.call(*following.args_kwargs["args"])["sent"] == 1
    assert len(smtp_server.received) == 2


def test_a_managers_campaign_email_goes_on_the_reps_timeline_as_theirs(
    rep, manager, mailing, smtp_server
):
    ada = contact(rep, "ada@example.org")
    mailing_send(mailing, acting_user=manager)
    mailing_send_batch(mailing.pk)
    assert smtp_server.recipients() == {"ada@example.org"}
    assert Activity.objects.get(contact=ada).owner == rep


def test_a_batch_reads_its_contacts_once_not_once_per_email(rep, mailing, smtp_server):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        contact(rep, f"n{n}@example.org")
    mailing_send(mailing, acting_user=rep)
    with CaptureQueriesContext(connection) as queries:
        mailing_send_batch(mailing.pk)
    assert len(smtp_server.received) == 5
    # The unsubscribe check rides on the contacts' read: one read for the whole batch.
    reads = [q for q in queries.captured_queries if "outreach_unsubscription" in q["sql"]]
    assert len(reads) == 1
