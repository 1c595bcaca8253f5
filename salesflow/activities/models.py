from __future__ import annotations

from django.db import models
from django.db.models import Q

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from salesflow.users.models import OwnedModel


class ActivityType(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    VISIT = "visit", "Visit"
    DEMO = "demo", "Demo"
    NOTE = "note", "Note"
    TASK = "task", "Task"


class Activity(OwnedModel, VersionedModel, TimeStampedModel):
    """Something a rep did or will do with a customer: the communication record managers review."""

    type = models.CharField(max_length=16, choices=ActivityType.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )

    # Values of the custom fields admins define for this kind of record (salesflow.customfields).
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False)
                | Q(deal__isnull=False)
                | Q(contact__isnull=False)
                | Q(account__isnull=False),
                name="activity_linked_to_a_record",
            )
        ]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_at"], name="activity_agenda_idx"),
            models.Index(fields=["owner", "team", "visibility"], name="activity_access_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
