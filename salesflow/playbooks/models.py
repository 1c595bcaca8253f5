"""Playbooks: how the team works a deal, step by step, and what it has learned.

Admins define checklists and question sets per stage, next-action rules for the first-meeting
judgment, and the shared objection library; reps record ticks, answers, judgments and
objections per deal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from salesflow.activities.models import ActivityType
from salesflow.core.config_cache import ConfigQuerySet
from salesflow.core.models import TimeStampedModel
from salesflow.pipeline.models import Deal, Stage


class ChecklistItem(models.Model):
    """Something to have done in a stage, e.g. "Agenda agreed" before a presentation."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="checklist_items")
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["stage", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "label"], name="checklist_item_once_per_stage")
        ]

    def __str__(self) -> str:
        return self.label


class DealChecklistTick(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="checklist_ticks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="ticks")
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticked_at = models.DateTimeField()

    class Meta:
        ordering = ["deal", "item"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "item"], name="checklist_tick_once_per_deal")
        ]

    def __str__(self) -> str:
        return f"{self.item} on {self.deal_id}"


class QuestionSet(TimeStampedModel):
    """Scripted open questions for a stage, so no rep forgets to ask an important one."""

    name = models.CharField(max_length=150)
    stage = models.ForeignKey(
        Stage, on_delete=models.SET_NULL, null=True, blank=True, related_name="question_sets"
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    question_set = models.ForeignKey(
        QuestionSet, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.CharField(max_length=300)
    hint = models.TextField(blank=True, help_text="What to listen for.")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["question_set", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class DealAnswer(models.Model):
    """The customer's answer to one question, in the rep's notes."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="answers")
    # Questions are retired (is_active), not deleted, while deals have answered them.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["deal", "question"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "question"], name="answer_once_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question} ({self.deal_id})"


class DealAssessment(models.Model):
    """The answers of one question set, played back to the customer and confirmed by them."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="assessments")
    question_set = models.ForeignKey(
        QuestionSet, on_delete=models.PROTECT, related_name="assessments"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "question_set"], name="assessment_once_per_question_set"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_set} ({self.deal_id})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class CustomerState(models.TextChoices):
    """The rep's judgment of the customer after the first meeting."""

    NO_DEMAND = "no_demand", "No demand"
    PRELIMINARY_DEMAND = "preliminary_demand", "Preliminary demand"
    CLEAR_DEMAND = "clear_demand", "Clear demand"
    EVALUATING_COMPETITORS = "evaluating_competitors", "Evaluating competitors"


class FirstMeeting(models.Model):
    """One first-meeting judgment; the latest one is the deal's current customer state."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="first_meetings")
    state = models.CharField(max_length=32, choices=CustomerState.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["deal", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["deal", "recorded_at"], name="first_meeting_deal_idx")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} ({self.deal_id})"


class NextActionRule(TimeStampedModel):
    """What to do next for a customer state: the task a rep creates in one click."""

    state = models.CharField(max_length=32, choices=CustomerState.choices)
    action = models.CharField(max_length=200, help_text="The recommended action; the task's title.")
    guidance = models.TextField(blank=True, help_text="Why and how; the task's description.")
    activity_type = models.CharField(
        max_length=16, choices=ActivityType.choices, default=ActivityType.TASK
    )
    due_in_days = models.PositiveSmallIntegerField(default=2)
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["state", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(is_active=True), name="one_active_rule_per_state"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.action}"


class ObjectionCategory(models.TextChoices):
    PRICE = "price", "Price"
    TIMING = "timing", "Timing"
    AUTHORITY = "authority", "Authority"
    NEED = "need", "Need"
    COMPETITOR = "competitor", "Competitor"
    TRUST = "trust", "Trust"
    PRODUCT_FIT = "product_fit", "Product fit"
    OTHER = "other", "Other"


class LibraryResponse(TimeStampedModel):
    """A proven answer to a recurring objection, shared with the whole sales team."""

    category = models.CharField(max_length=16, choices=ObjectionCategory.choices)
    title = models.CharField(max_length=200)
    response = models.TextField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["category", "title", "pk"]
        indexes = [models.Index(fields=["category", "is_active"], name="library_category_idx")]

    def __str__(self) -> str:
        return self.title


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    RESOLVED = "resolved", "Resolved"


class DealObjection(models.Model):
    """A doubt the customer raised, in their words, and how the rep answered it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="objections")
    category = models.CharField(max_length=16, choices=ObjectionCategory.choices)
    customer_words = models.TextField()
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", help_text="The stage when logged."
    )
    status = models.CharField(
        max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    response_given = models.TextField(blank=True)
    library_response = models.ForeignKey(
        LibraryResponse,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uses",
        help_text="The library answer the rep used, for learning which answers win.",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    logged_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deal", "logged_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(response_given=""),
                name="objection_answered_has_response",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="objection_resolved_has_resolved_at",
            ),
        ]
        indexes = [
            models.Index(fields=["deal", "status"], name="objection_deal_status_idx"),
            models.Index(fields=["category", "status"], name="objection_category_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.customer_words[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status == ObjectionStatus.OPEN
