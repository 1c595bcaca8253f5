"""Web capture forms and the submissions they received."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from salesflow.core.models import TimeStampedModel
from salesflow.leads.models.records import Campaign, Channel, Source
from salesflow.users.models import Team


def capture_form_key_new() -> str:
    return secrets.token_urlsafe(16)


class LeadCaptureForm(TimeStampedModel):
    """A web form on the company's site that creates leads (web-to-lead).

    Named so, not `LeadForm`, because `leads.forms.LeadForm` is the staff's lead edit form.
    The public endpoint finds it by `form_key` and calls `lead_capture_from_form`.
    """

    name = models.CharField(max_length=150, unique=True)
    form_key = models.CharField(
        max_length=40, unique=True, default=capture_form_key_new, editable=False
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="capture_forms"
    )
    source = models.CharField(max_length=32, choices=Source.choices, default=Source.CONTENT)
    channel = models.CharField(
        max_length=16, choices=Channel.choices, blank=True, help_text="Blank: the source's."
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who gets the leads; blank leaves them in the team's queue.",
    )
    default_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    success_message = models.CharField(
        max_length=300, default="Thank you! We will get back to you shortly."
    )
    max_submissions_per_ip = models.PositiveSmallIntegerField(
        default=5, help_text="Submissions one address may send in 10 minutes."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_owner__isnull=False)
                | models.Q(default_team__isnull=False),
                name="capture_form_has_owner_or_team",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SubmissionOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    INVALID = "invalid", "Invalid input"
    SPAM = "spam", "Spam (honeypot filled)"
    RATE_LIMITED = "rate_limited", "Too many from this address"
    CLOSED = "closed", "Form inactive"


class FormSubmission(models.Model):
    """One attempt to submit a capture form; the rate limit counts these rows."""

    form = models.ForeignKey(LeadCaptureForm, on_delete=models.CASCADE, related_name="submissions")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=SubmissionOutcome.choices)
    lead = models.ForeignKey(
        "Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["form", "ip_address", "submitted_at"], name="submission_rate_idx"),
            models.Index(fields=["submitted_at"], name="submission_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.ip_address} {self.outcome}"
