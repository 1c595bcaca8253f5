from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse

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
    INVITATION = "invitation", "Invitation"


# Completing one of these asks for the next step (or why there is none).
NEXT_STEP_TYPES = (
    ActivityType.CALL,
    ActivityType.MEETING,
    ActivityType.VISIT,
    ActivityType.DEMO,
)


class InvitationOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    NO_ANSWER = "no_answer", "No answer"
    RESCHEDULED = "rescheduled", "Rescheduled"


class InvitationReason(TimeStampedModel):
    """Why a customer is invited (a new case study in their industry, a free assessment): rows
    admins keep; a reason in use is retired (inactive), never deleted."""

    name = models.CharField(max_length=120, unique=True)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def cascade_recounting_deals(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """CASCADE for the links other than the deal: deleting a contact, lead or account deletes
    its activities, some of which may be a deal's next step, so those deals are recounted once
    the deletion is committed (their columns are kept by `next_steps.deals_next_step_refresh`;
    the services delete in a transaction)."""
    deal_ids = {pk for pk in sub_objs.values_list("deal_id", flat=True) if pk is not None}
    models.CASCADE(collector, field, sub_objs, using)
    if deal_ids:
        from salesflow.activities.next_steps import deals_next_step_refresh

        transaction.on_commit(lambda: deals_next_step_refresh(deal_ids), using=using)


class Activity(OwnedModel, VersionedModel, TimeStampedModel):
    """Something a rep did or will do with a customer: the communication record managers review."""

    type = models.CharField(max_length=16, choices=ActivityType.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    lead = models.ForeignKey(
        Lead, on_delete=cascade_recounting_deals, null=True, blank=True, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=cascade_recounting_deals,
        null=True,
        blank=True,
        related_name="activities",
    )
    account = models.ForeignKey(
        Account,
        on_delete=cascade_recounting_deals,
        null=True,
        blank=True,
        related_name="activities",
    )

    # Said when it was completed without planning a next step.
    no_next_step_reason = models.CharField("why no next step", max_length=200, blank=True)
    # The activity this one was planned from, when completing it ("next step").
    follows = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="followed_by"
    )
    # Invitations only: why the customer is invited and what they answered.
    invitation_reason = models.ForeignKey(
        InvitationReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="reason",
    )
    invitation_outcome = models.CharField(
        "answer", max_length=16, choices=InvitationOutcome.choices, blank=True
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
            ),
            models.CheckConstraint(
                condition=Q(type="invitation")
                | (Q(invitation_reason__isnull=True) & Q(invitation_outcome="")),
                name="activity_invitation_fields_on_invitations",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_at"], name="activity_agenda_idx"),
            models.Index(fields=["owner", "team", "visibility"], name="activity_access_idx"),
            # My day of a manager: the team's open activities by due time (issue #10, pages).
            models.Index(fields=["team", "done_at", "due_at"], name="activity_team_agenda_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("activities:activity-detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
