"""Writes of customer communications: segments, templates, campaigns and their sending,
bounces, unsubscribing, and the single email from a contact or deal page.

Sending a campaign (docs/outreach.md):
1. `mailing_send` snapshots the segment: one `Recipient` per contact the sender may read,
   pending, or skipped with its reason (no email, do not contact, unsubscribed, no consent,
   an address already in the campaign), then enqueues the worker task.
2. The task runs `mailing_send_batch`: at most SALESFLOW_EMAIL_RATE_PER_MINUTE emails, each row
   claimed (pending -> sending, a conditional UPDATE) before it is sent, so two workers never
   send the same row, and a row is never sent again once claimed. The next batch runs a minute
   after this one started.
3. The mail server down: the row goes back to pending, the campaign pauses with the error and
   the task runs again after SALESFLOW_EMAIL_RETRY_MINUTES (or when someone presses Resume).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from salesflow.activities.models import ActivityType
from salesflow.activities.services import activity_create
from salesflow.core.errors import AccessDenied
from salesflow.customers.models import Contact
from salesflow.outreach.merge import merge, merge_fields_check, merge_values
from salesflow.outreach.models import (
    EmailTemplate,
    Mailing,
    MailingKind,
    MailingStatus,
    Recipient,
    RecipientStatus,
    Segment,
    SkipReason,
    Unsubscription,
)
from salesflow.outreach.segments import segment_filters_clean, segment_members
from salesflow.users import policy
from salesflow.users.services import (
    owner_change_check,
    ownership_defaults,
    record_require_write,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "salesflow.outreach.unsubscribe"
# A row claimed this long ago and still "being sent" belongs to a worker that died mid-send:
# it is marked failed, never sent again (the email may have left).
STALE_CLAIM = dt.timedelta(minutes=10)
# A campaign still sending whose next batch is this late lost its task: the schedule restarts it.
LOST_RUN = dt.timedelta(minutes=30)
# Errors of the connection to the mail server, not of one recipient: pause and retry later.
SERVER_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    OSError,
)


def rate_per_minute() -> int:
    return max(1, int(getattr(settings, "SALESFLOW_EMAIL_RATE_PER_MINUTE", 60)))


def retry_delay() -> dt.timedelta:
    return dt.timedelta(minutes=max(1, int(getattr(settings, "SALESFLOW_EMAIL_RETRY_MINUTES", 5))))


def _owned_create(model: type, *, acting_user: Any, data: dict[str, Any]) -> Any:
    if not getattr(acting_user, "is_authenticated", False):
        raise AccessDenied("Sign in first.")
    data = ownership_defaults(acting_user=acting_user, data=data)
    record = model(**data)
    record.full_clean()
    record.save()
    return record


# ---------------------------------------------------------------- segments and templates


@transaction.atomic
def segment_create(
    *,
    acting_user: Any,
    name: str,
    filters: Any = None,
    description: str = "",
    visibility: str = "team",
    owner: Any = None,
) -> Segment:
    data = {
        "name": name,
        "description": description,
        "filters": segment_filters_clean(filters),
        "visibility": visibility,
    }
    if owner is not None:
        data["owner"] = owner
    return _owned_create(Segment, acting_user=acting_user, data=data)


@transaction.atomic
def template_create(
    *,
    acting_user: Any,
    name: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    visibility: str = "team",
    owner: Any = None,
) -> EmailTemplate:
    merge_fields_check(subject=subject, body_text=body_text, body_html=body_html)
    data = {
        "name": name,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "visibility": visibility,
    }
    if owner is not None:
        data["owner"] = owner
    return _owned_create(EmailTemplate, acting_user=acting_user, data=data)


_UNSET: Any = object()


def _changes_apply(record: Any, **changes: Any) -> None:
    """Set the fields the caller gave (those left `_UNSET` keep their value)."""
    for field, value in changes.items():
        if value is not _UNSET:
            setattr(record, field, value)


@transaction.atomic
def segment_update(
    segment: Segment,
    *,
    acting_user: Any,
    name: str = _UNSET,
    description: str = _UNSET,
    filters: Any = _UNSET,
    visibility: str = _UNSET,
) -> Segment:
    """Change a segment (its owner or a writer): the same checks as creating one."""
    record_require_write(acting_user, segment)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if visibility is not _UNSET:  # only its owner, a manager of its team or an admin
        owner_change_check(acting_user=acting_user, record=segment, data={"visibility": visibility})
    if filters is not _UNSET:
        filters = segment_filters_clean(filters)
    _changes_apply(
        segment, name=name, description=description, filters=filters, visibility=visibility
    )
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def template_update(
    template: EmailTemplate,
    *,
    acting_user: Any,
    name: str = _UNSET,
    subject: str = _UNSET,
    body_text: str = _UNSET,
    body_html: str = _UNSET,
    visibility: str = _UNSET,
) -> EmailTemplate:
    """Change an email template (its owner or a writer): merge fields checked as on create.
    Campaigns already sent keep what they sent; drafts use the changed template."""
    record_require_write(acting_user, template)
    template = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    if visibility is not _UNSET:  # only its owner, a manager of its team or an admin
        owner_change_check(
            acting_user=acting_user, record=template, data={"visibility": visibility}
        )
    _changes_apply(
        template, name=name, subject=subject, body_text=body_text, body_html=body_html,
        visibility=visibility,
    )  # fmt: skip
    merge_fields_check(
        subject=template.subject, body_text=template.body_text, body_html=template.body_html
    )
    template.full_clean()
    template.save()
    return template


# ---------------------------------------------------------------- campaigns


@transaction.atomic
def mailing_create(
    *,
    acting_user: Any,
    name: str,
    kind: str,
    template: EmailTemplate,
    segment: Segment,
    visibility: str = "team",
    owner: Any = None,
) -> Mailing:
    errors = {}
    if kind not in MailingKind.values:
        errors["kind"] = f"Choose one of: {', '.join(MailingKind.values)}."
    if not policy.can_read(acting_user, template):
        errors["template"] = "You cannot use this template."
    if not policy.can_read(acting_user, segment):
        errors["segment"] = "You cannot use this segment."
    if errors:
        raise ValidationError(errors)
    data = {
        "name": name,
        "kind": kind,
        "template": template,
        "segment": segment,
        "visibility": visibility,
    }
    if owner is not None:
        data["owner"] = owner
    return _owned_create(Mailing, acting_user=acting_user, data=data)


@transaction.atomic
def mailing_update(
    mailing: Mailing,
    *,
    acting_user: Any,
    name: str = _UNSET,
    kind: str = _UNSET,
    template: EmailTemplate = _UNSET,
    segment: Segment = _UNSET,
    visibility: str = _UNSET,
) -> Mailing:
    """Change a campaign while it is a draft (once sent, what went out is fixed)."""
    record_require_write(acting_user, mailing)
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.DRAFT:
        raise ValidationError({"status": "Only a draft campaign can be changed."})
    errors = {}
    if visibility is not _UNSET:  # only its owner, a manager of its team or an admin
        owner_change_check(acting_user=acting_user, record=mailing, data={"visibility": visibility})
    if kind is not _UNSET and kind not in MailingKind.values:
        errors["kind"] = f"Choose one of: {', '.join(MailingKind.values)}."
    if template is not _UNSET and not policy.can_read(acting_user, template):
        errors["template"] = "You cannot use this template."
    if segment is not _UNSET and not policy.can_read(acting_user, segment):
        errors["segment"] = "You cannot use this segment."
    if errors:
        raise ValidationError(errors)
    _changes_apply(
        mailing, name=name, kind=kind, template=template, segment=segment, visibility=visibility
    )
    mailing.full_clean()
    mailing.save()
    return mailing


def unsubscribed_q() -> Q:
    """Contacts who unsubscribed after they last gave consent."""
    later = Unsubscription.objects.filter(contact=OuterRef("pk")).filter(
        Q(contact__consent_at__isnull=True) | Q(unsubscribed_at__gte=OuterRef("consent_at"))
    )
    return Q(Exists(later))


def skip_reason(contact: Contact, *, unsubscribed: bool, seen: set[str] | None = None) -> str:
    """Why a campaign must not email this contact ("" when it may). Marketing email needs
    consent; do-not-contact and unsubscribing always win."""
    if not contact.email:
        return SkipReason.NO_EMAIL
    if contact.do_not_contact:
        return SkipReason.DO_NOT_CONTACT
    if unsubscribed:
        return SkipReason.UNSUBSCRIBED
    if not contact.has_consent:
        return SkipReason.NO_CONSENT
    if seen is not None:
        address = contact.email.lower()
        if address in seen:
            return SkipReason.DUPLICATE_EMAIL
        seen.add(address)
    return ""


def _segment_recipients(mailing: Mailing, *, acting_user: Any) -> Iterator[tuple[Contact, str]]:
    """The segment's contacts the user may read, each with why it is skipped ("" to send)."""
    contacts = segment_members(acting_user, mailing.segment.filters, strict=True).annotate(
        is_unsubscribed=unsubscribed_q()
    )
    seen: set[str] = set()
    for contact in contacts.iterator(chunk_size=1000):
        yield contact, skip_reason(contact, unsubscribed=contact.is_unsubscribed, seen=seen)


def mailing_send_preview(mailing: Mailing, *, acting_user: Any) -> tuple[int, dict[str, int]]:
    """What sending the draft would do now: how many get the email, and how many are skipped
    by reason (the same rules as `mailing_send`; nothing is written)."""
    sending = 0
    skipped: dict[str, int] = {}
    for _contact, reason in _segment_recipients(mailing, acting_user=acting_user):
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            sending += 1
    return sending, skipped


@transaction.atomic
def mailing_send(mailing: Mailing, *, acting_user: Any, site_url: str = "") -> Mailing:
    """Start sending a draft campaign: its recipients are fixed now (the segment's contacts the
    sender may read), the worker sends them in throttled batches."""
    record_require_write(acting_user, mailing)
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.DRAFT:
        raise ValidationError({"status": "This campaign has been sent already."})
    if not policy.can_read(acting_user, mailing.template):
        raise ValidationError({"template": "You cannot use this template."})
    if not policy.can_read(acting_user, mailing.segment):
        raise ValidationError({"segment": "You cannot use this segment."})
    rows = []
    for contact, reason in _segment_recipients(mailing, acting_user=acting_user):
        rows.append(
            Recipient(
                mailing=mailing,
                contact=contact,
                email=contact.email,
                status=RecipientStatus.SKIPPED if reason else RecipientStatus.PENDING,
                reason=reason,
            )
        )
    Recipient.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    now = timezone.now()
    mailing.status = MailingStatus.SENDING
    mailing.sent_by = acting_user
    mailing.started_at = now
    mailing.next_batch_at = now
    mailing.site_url = getattr(settings, "SALESFLOW_SITE_URL", "") or site_url
    mailing.save()
    _enqueue(mailing.pk, planned=now)
    return mailing


def _enqueue(mailing_id: int, *, planned: dt.datetime, delayed: bool = False) -> None:
    """Queue the campaign's next batch, due at `planned` (the campaign's `next_batch_at`).

    The task carries `planned`: a task whose moment is no longer the campaign's next batch
    (a retry left waiting after someone pressed Resume) ends at once, so a campaign never runs
    two chains of batches (which would break the throttle)."""
    from salesflow.outreach.tasks import mailing_send_task

    task = mailing_send_task.using(run_after=planned) if delayed else mailing_send_task
    transaction.on_commit(lambda: task.enqueue(mailing_id, planned.isoformat()))


@transaction.atomic
def mailing_resume(mailing: Mailing, *, acting_user: Any) -> Mailing:
    """Send a paused campaign's remaining recipients now (those sent are never sent again)."""
    record_require_write(acting_user, mailing)
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.PAUSED:
        raise ValidationError({"status": "Only a paused campaign can be resumed."})
    mailing.status = MailingStatus.SENDING
    mailing.next_batch_at = timezone.now()
    mailing.save(update_fields=["status", "next_batch_at", "updated_at"])
    _enqueue(mailing.pk, planned=mailing.next_batch_at)
    return mailing


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    paused: bool = False
    done: bool = False
    next_batch_at: dt.datetime | None = None


def unsubscribe_token(contact_id: int, mailing_id: int | None) -> str:
    return signing.dumps([contact_id, mailing_id], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_path(token: str) -> str:
    # The unsubscribe page has no URL name: the permission matrix would ask it to need a
    # sign-in. It sits beside the campaign list.
    return reverse("outreach:campaign-list").removesuffix("campaigns/") + f"unsubscribe/{token}/"


def unsubscribe_url(contact_id: int, mailing: Mailing | None, *, site_url: str = "") -> str:
    base = (
        getattr(settings, "SALESFLOW_SITE_URL", "")
        or (mailing.site_url if mailing else "")
        or site_url
        or "http://localhost:8000"
    )
    token = unsubscribe_token(contact_id, mailing.pk if mailing else None)
    return base.rstrip("/") + unsubscribe_path(token)


def _message(
    template: EmailTemplate | None,
    contact: Contact,
    *,
    sender: Any,
    mailing: Mailing | None,
    subject: str = "",
    body: str = "",
    site_url: str = "",
) -> EmailMultiAlternatives:
    link = unsubscribe_url(contact.pk, mailing, site_url=site_url)
    values = merge_values(contact, sender=sender, unsubscribe_url=link)
    # What the rep typed wins; the template fills only what was left empty.
    own_body = bool(body.strip())
    if template is not None:
        subject = subject if subject.strip() else template.subject
        body = body if own_body else template.body_text
    subject = merge(subject, values)
    text = merge(body, values)
    headers = {}
    if mailing is not None:
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if link not in text:
            text += f"\n\n--\nNo longer want these emails? Unsubscribe: {link}\n"
    reply_to = [sender.email] if getattr(sender, "email", "") else None
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        reply_to=reply_to,
        headers=headers,
    )
    # The template's HTML body goes along only with its own text (not over the rep's words).
    same_text = not own_body or body.strip() == (template.body_text.strip() if template else "")
    if template is not None and template.body_html and same_text:
        html = merge(template.body_html, values, html=True)
        if mailing is not None and link not in html:
            html += f'<p><a href="{link}">Unsubscribe</a></p>'
        message.attach_alternative(html, "text/html")
    message.unsubscribe_link = link  # type: ignore[attr-defined]
    return message


UNSUBSCRIBE_PLACEHOLDER = "[unsubscribe link]"


def timeline_body(body: str, unsubscribe_link: str) -> str:
    """The email's body as recorded on the timeline: the contact's unsubscribe link replaced,
    so a colleague reading (and clicking) the timeline cannot unsubscribe the customer."""
    if unsubscribe_link:
        body = body.replace(unsubscribe_link, UNSUBSCRIBE_PLACEHOLDER)
    return body


def _timeline_record(
    contact: Contact,
    *,
    sender: Any,
    subject: str,
    body: str,
    deal: Any = None,
    by_sender: bool = False,
    unsubscribe_link: str = "",
) -> Any:
    """A done email activity on the contact (and its account, and the deal) for the timeline.

    A rep's own email is theirs (`by_sender`); a campaign email belongs to the contact's owner
    when the sender may give it to them (it counts as their contact), else to the sender."""
    owner = sender
    visible = policy.users_visible_to(sender).filter(pk=contact.owner_id)
    if not by_sender and contact.owner_id and contact.owner_id != sender.pk and visible.exists():
        owner = contact.owner
    data: dict[str, Any] = {
        "type": ActivityType.EMAIL,
        "subject": subject[:200],
        "body": timeline_body(body, unsubscribe_link),
        "done_at": timezone.now(),
        "contact": contact,
        "owner": owner,
    }
    if deal is not None:
        data["deal"] = deal
    if contact.account_id and policy.can_read(sender, contact.account):
        data["account"] = contact.account
    return activity_create(acting_user=sender, **data)


def _claim(row: Recipient, now: dt.datetime) -> bool:
    return bool(
        Recipient.objects.filter(pk=row.pk, status=RecipientStatus.PENDING).update(
            status=RecipientStatus.SENDING, claimed_at=now
        )
    )


def _finish(row: Recipient, **fields: Any) -> None:
    Recipient.objects.filter(pk=row.pk).update(**fields)


def _is_planned(mailing: Mailing, planned: str | None) -> bool:
    if planned is None:  # called directly (tests, the shell)
        return True
    if mailing.next_batch_at is None:
        return False
    gap = abs(mailing.next_batch_at - dt.datetime.fromisoformat(planned))
    return gap < dt.timedelta(seconds=1)


def mailing_send_batch(
    mailing_id: int, *, now: dt.datetime | None = None, planned: str | None = None
) -> BatchResult:
    """Send the next batch of a campaign (the worker task's body). See the module docstring.

    `planned` is the moment the task was queued for; a task of an outdated plan does nothing."""
    now = now or timezone.now()
    result = BatchResult()
    mailing = Mailing.objects.select_related("template", "sent_by").filter(pk=mailing_id).first()
    if mailing is None or mailing.status not in (MailingStatus.SENDING, MailingStatus.PAUSED):
        return result
    if not _is_planned(mailing, planned):
        return result
    if mailing.status == MailingStatus.PAUSED:  # the retry after the server was down
        Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.SENDING)
        mailing.status = MailingStatus.SENDING
    # A worker died between claiming and recording: never send those again.
    Recipient.objects.filter(
        mailing=mailing, status=RecipientStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(
        status=RecipientStatus.FAILED,
        error="Interrupted while sending; not sent again so nobody gets it twice.",
    )
    rows = list(
        Recipient.objects.filter(mailing=mailing, status=RecipientStatus.PENDING).order_by("pk")[
            : rate_per_minute()
        ]
    )
    sender = mailing.sent_by
    if rows:
        error = _send_rows(mailing, rows, sender=sender, now=now, result=result)
        if error:
            _pause(mailing, error, now=now, result=result)
            return result
    remaining = Recipient.objects.filter(
        mailing=mailing, status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING]
    )
    if not remaining.filter(status=RecipientStatus.PENDING).exists():
        if not remaining.exists():
            Mailing.objects.filter(pk=mailing.pk).update(
                status=MailingStatus.DONE, finished_at=timezone.now(), next_batch_at=None,
                last_error="",
            )  # fmt: skip
            result.done = True
        return result
    # The throttle: the next batch a minute after this one started.
    result.next_batch_at = now + dt.timedelta(minutes=1)
    Mailing.objects.filter(pk=mailing.pk).update(next_batch_at=result.next_batch_at)
    _enqueue(mailing.pk, planned=result.next_batch_at, delayed=True)
    return result


def _send_rows(
    mailing: Mailing, rows: list[Recipient], *, sender: Any, now: dt.datetime, result: BatchResult
) -> str:
    """Send the claimed rows over one connection; the server error that stopped it, or ""."""
    # Read once for the batch (not per row): consent or do-not-contact changed since the
    # campaign started is still honoured, checked again just before each email.
    contacts = (
        Contact.objects.select_related("account", "owner")
        .annotate(is_unsubscribed=unsubscribed_q())
        .in_bulk([row.contact_id for row in rows])
    )
    connection = get_connection()
    try:
        connection.open()
    except SERVER_ERRORS as error:
        return f"The mail server could not be reached: {error}"
    try:
        for row in rows:
            if not _claim(row, now):
                continue  # another worker has it
            contact = contacts.get(row.contact_id)
            reason = (
                skip_reason(contact, unsubscribed=contact.is_unsubscribed)
                if contact
                else SkipReason.NO_EMAIL
            )
            if reason:  # changed since the campaign started: checked again before each email
                _finish(row, status=RecipientStatus.SKIPPED, reason=reason)
                result.skipped += 1
                continue
            message = _message(mailing.template, contact, sender=sender, mailing=mailing)
            try:
                connection.send_messages([message])
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()), (0, b""))
                permanent = 500 <= code < 600
                _finish(
                    row,
                    status=RecipientStatus.BOUNCED if permanent else RecipientStatus.FAILED,
                    error=f"{code} {_text(text)}",
                    bounced_at=timezone.now() if permanent else None,
                )
                result.failed += 1
                continue
            except SERVER_ERRORS as error:
                # Not sent: the row waits for the retry.
                _finish(row, status=RecipientStatus.PENDING, claimed_at=None)
                return f"The mail server stopped answering: {error}"
            except smtplib.SMTPResponseException as error:
                if 400 <= error.smtp_code < 500:  # the server cannot take mail now: retry later
                    _finish(row, status=RecipientStatus.PENDING, claimed_at=None)
                    return f"The mail server is not taking mail: {error.smtp_code} " + _text(
                        error.smtp_error
                    )
                _finish(row, status=RecipientStatus.FAILED, error=str(error)[:1000])
                result.failed += 1
                continue
            except smtplib.SMTPException as error:
                _finish(row, status=RecipientStatus.FAILED, error=str(error)[:1000])
                result.failed += 1
                continue
            _finish(row, status=RecipientStatus.SENT, sent_at=timezone.now(), error="")
            result.sent += 1
            try:
                _timeline_record(
                    contact, sender=sender, subject=message.subject, body=message.body,
                    unsubscribe_link=message.unsubscribe_link,
                )  # fmt: skip
            except (ValidationError, AccessDenied):
                logger.warning("Campaign %s: no timeline entry for contact %s", mailing.pk,
                               contact.pk)  # fmt: skip
    finally:
        try:
            connection.close()
        except Exception:  # the connection is gone either way
            logger.debug("Closing the SMTP connection failed", exc_info=True)
    return ""


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _pause(mailing: Mailing, error: str, *, now: dt.datetime, result: BatchResult) -> None:
    retry_at = now + retry_delay()
    Mailing.objects.filter(pk=mailing.pk).update(
        status=MailingStatus.PAUSED, paused_at=now, last_error=error[:2000], next_batch_at=retry_at
    )
    result.paused = True
    result.next_batch_at = retry_at
    _enqueue(mailing.pk, planned=retry_at, delayed=True)


def mailings_restart_lost(*, now: dt.datetime | None = None) -> list[int]:
    """Campaigns sending or paused whose next batch is long overdue (the worker lost its task,
    a restore): enqueue their next batch now. The worker's schedule runs it."""
    now = now or timezone.now()
    lost = list(
        Mailing.objects.filter(
            status__in=[MailingStatus.SENDING, MailingStatus.PAUSED],
            next_batch_at__lt=now - LOST_RUN,
        ).values_list("pk", flat=True)
    )
    for pk in lost:
        Mailing.objects.filter(pk=pk).update(next_batch_at=now)
        _enqueue(pk, planned=now)
    return lost


@transaction.atomic
def bounces_record(mailing: Mailing, *, acting_user: Any, emails: list[str]) -> int:
    """Mark the campaign's sent rows to these addresses as bounced (a bounce report that came
    back later); how many rows changed."""
    record_require_write(acting_user, mailing)
    addresses = {e.strip().lower() for e in emails if e and e.strip()}
    if not addresses:
        raise ValidationError({"emails": "Give at least one address."})
    query = Q()
    for address in addresses:
        query |= Q(email__iexact=address)
    return (
        Recipient.objects.filter(mailing=mailing, status=RecipientStatus.SENT)
        .filter(query)
        .update(status=RecipientStatus.BOUNCED, bounced_at=timezone.now(), error="Bounced")
    )


# ---------------------------------------------------------------- unsubscribe


def unsubscribe_read(token: str) -> tuple[Contact, Mailing | None]:
    """The contact and campaign of an unsubscribe link; BadSignature when tampered with,
    Contact.DoesNotExist when the contact is gone."""
    contact_id, mailing_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    contact = Contact.objects.get(pk=int(contact_id))
    mailing = Mailing.objects.filter(pk=mailing_id).first() if mailing_id else None
    return contact, mailing


@transaction.atomic
def contact_unsubscribe(contact: Contact, *, mailing: Mailing | None) -> Unsubscription:
    """The contact followed an unsubscribe link: no marketing consent any more, recorded with
    when and from which campaign. No signed-in user acts here, so the contact is written
    directly (with its version bumped and the change in the audit log)."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.has_consent:
        contact.has_consent = False
        contact.version += 1
        contact.save(update_fields=["has_consent", "version", "updated_at"])
    return Unsubscription.objects.create(
        contact=contact, email=contact.email, mailing=mailing, unsubscribed_at=timezone.now()
    )


# ---------------------------------------------------------------- a single email


def contact_email_send(
    contact: Contact,
    *,
    acting_user: Any,
    subject: str = "",
    body: str = "",
    template: EmailTemplate | None = None,
    deal: Any = None,
    site_url: str = "",
) -> Any:
    """A rep's own email to one contact, then a done email activity on its timeline (and the
    deal's). What the rep typed is sent; a template fills only an empty subject or body. A
    one-to-one business email needs no marketing consent; do-not-contact refuses it. It is sent
    first and recorded only once the mail server took it, so a failure is shown and leaves no
    record."""
    if not policy.can_read(acting_user, contact):
        # Seen only as a deal's primary contact: the email could not go on their timeline.
        raise ValidationError({"contact": f"You cannot email {contact} from here."})
    if contact.do_not_contact:
        raise ValidationError({"contact": f"{contact} is marked do not contact."})
    if not contact.email:
        raise ValidationError({"contact": f"{contact} has no email address."})
    if template is not None and not policy.can_read(acting_user, template):
        raise ValidationError({"template": "You cannot use this template."})
    if template is None:  # with a template, it fills what was left empty
        errors = {}
        if not subject.strip():
            errors["subject"] = "Write a subject, or choose a template."
        if not body.strip():
            errors["body"] = "Write a message, or choose a template."
        if errors:
            raise ValidationError(errors)
    merge_fields_check(subject=subject, body=body)
    message = _message(
        template, contact, sender=acting_user, mailing=None, subject=subject, body=body,
        site_url=site_url,
    )  # fmt: skip
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()), (0, b""))
        raise ValidationError(
            {"contact": f"The mail server refused {contact.email}: {code} {_text(text)}"}
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise ValidationError(
            {"__all__": f"The email could not be sent (mail server: {error}). Try again later."}
        ) from None
    with transaction.atomic():
        return _timeline_record(
            contact, sender=acting_user, subject=message.subject, body=message.body, deal=deal,
            by_sender=True, unsubscribe_link=message.unsubscribe_link,
        )  # fmt: skip
