"""Customer communications: segments of contacts, email templates, email campaigns (mailings),
one row per recipient, and unsubscriptions.

Segments, templates and campaigns are owned records (`OwnedModel`): a rep sees their own and
their team's shared ones, a manager their teams', an admin all (docs/outreach.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from salesflow.core.models import TimeStampedModel
from salesflow.users.models import OwnedModel


class Segment(OwnedModel, TimeStampedModel):
    """A saved filter over contacts (and their accounts): who a campaign goes to.

    `filters` holds the validated filter (see `outreach.segments.segment_filters_clean`); the
    members are computed when asked, always among the contacts the asking user may read.
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    filters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outreach:segment-detail", args=[self.pk])


class EmailTemplate(OwnedModel, TimeStampedModel):
    """A subject and body with merge fields (`{{ first_name }}`), checked when saved."""

    name = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body_text = models.TextField("text body")
    body_html = models.TextField("HTML body", blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outreach:template-detail", args=[self.pk])


class MailingKind(models.TextChoices):
    PRODUCT_UPDATE = "product_update", "Product update"
    NEWSLETTER = "newsletter", "Newsletter"
    EVENT_INVITATION = "event_invitation", "Event invitation"


class MailingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    DONE = "done", "Done"


class Mailing(OwnedModel, TimeStampedModel):
    """An email campaign: a template sent to a segment, in throttled batches by the worker.

    (Not `leads.Campaign`, which is a marketing campaign as a source of leads.)
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=MailingKind.choices)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="mailings")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="mailings")
    status = models.CharField(
        max_length=16, choices=MailingStatus.choices, default=MailingStatus.DRAFT
    )
    # Who pressed "Send": the recipients are the segment's contacts this user may read, and the
    # timeline activities are theirs.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The address the unsubscribe links point at, taken from the request that started sending
    # (SALESFLOW_SITE_URL wins when set).
    site_url = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # When the worker should run the next batch: the throttle's next minute, or the retry after
    # the mail server was down. A schedule entry restarts campaigns whose run got lost.
    next_batch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"], name="mailing_status_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outreach:campaign-detail", args=[self.pk])


class RecipientStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"


class SkipReason(models.TextChoices):
    NO_EMAIL = "no_email", "No email address"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    NO_CONSENT = "no_consent", "No marketing consent"
    DUPLICATE_EMAIL = "duplicate_email", "Same address as another recipient"


class Recipient(models.Model):
    """One contact of a campaign: sent at most once (the row is claimed before sending)."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="mailing_recipients"
    )
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=16, choices=RecipientStatus.choices, default=RecipientStatus.PENDING
    )
    reason = models.CharField(max_length=32, choices=SkipReason.choices, blank=True)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "contact"], name="recipient_once_per_mailing"
            ),
        ]
        indexes = [models.Index(fields=["mailing", "status"], name="recipient_status_idx")]

    def __str__(self) -> str:
        return f"{self.email or self.contact_id} ({self.status})"


class Unsubscription(models.Model):
    """A contact who followed an unsubscribe link: no marketing email until consent is given
    again (a `consent_at` later than `unsubscribed_at`)."""

    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="unsubscriptions"
    )
    email = models.EmailField(blank=True)
    mailing = models.ForeignKey(
        Mailing, on_delete=models.SET_NULL, null=True, blank=True, related_name="unsubscriptions"
    )
    unsubscribed_at = models.DateTimeField()

    class Meta:
        ordering = ["-unsubscribed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} unsubscribed {self.unsubscribed_at:%Y-%m-%d}"
