from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead, Qualification
from salesflow.users.models import OwnedModel


class Pipeline(TimeStampedModel):
    """A sales process: an ordered list of stages. Teams may run several (new business, upsell)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won (terminal)"
    LOST = "lost", "Lost (terminal)"


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    probability = models.PositiveSmallIntegerField(help_text="Win probability in %.")
    rotting_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A deal idle this many days in the stage is rotting."
    )
    guidance = models.TextField(blank=True, help_text="What the rep does in this stage.")
    kind = models.CharField(max_length=8, choices=StageKind.choices, default=StageKind.OPEN)

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "name"], name="stage_name_unique_in_pipeline"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="stage_probability_0_100",
            ),
        ]
        indexes = [models.Index(fields=["pipeline", "position"], name="stage_position_idx")]

    def __str__(self) -> str:
        return f"{self.pipeline.name}: {self.name}" if "pipeline" in self.__dict__ else self.name

    @property
    def is_terminal(self) -> bool:
        return self.kind != StageKind.OPEN


class LostReason(models.Model):
    """Why a deal was lost or suspended; admins keep the list, retired reasons stay for history."""

    name = models.CharField(max_length=150, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    SUSPENDED = "suspended", "Suspended"


class Deal(OwnedModel, VersionedModel, TimeStampedModel):
    name = models.CharField(max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deals")
    primary_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        help_text="The lead this deal was converted from.",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    expected_close_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.OPEN, db_index=True
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        help_text="Required when the deal is lost or suspended.",
    )
    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        help_text="BANT answers: the converted lead's, or recorded on the deal.",
    )
    stage_entered_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="deal_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["lost", "suspended"]) | Q(lost_reason__isnull=False),
                name="deal_lost_or_suspended_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome="open") | Q(closed_at__isnull=False),
                name="deal_closed_has_closed_at",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "team", "visibility"], name="deal_access_idx"),
            models.Index(fields=["pipeline", "stage", "outcome"], name="deal_board_idx"),
            models.Index(fields=["closed_at"], name="deal_closed_at_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pipeline:deal-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.outcome != Outcome.OPEN


class StageChange(models.Model):
    """One move of a deal between stages (or into its first stage); written only by services."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    from_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    to_outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_backward = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["deal", "changed_at"], name="stagechange_deal_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"
