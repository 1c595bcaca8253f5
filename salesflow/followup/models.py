"""Follow-up: the rules that set account tiers, the follow-up tasks the worker created, the
digests sent, and each user's calendar feed."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.customers.models import Account, TierLevel


class RuleMetric(models.TextChoices):
    ANNUAL_REVENUE = "annual_revenue", "Annual revenue"
    OPEN_PIPELINE = "open_pipeline", "Open pipeline (amount of open deals)"
    WON_REVENUE = "won_revenue", "Won revenue in the last months"


class TierRule(VersionedModel, TimeStampedModel):
    """ "Tier A when won revenue in the last 12 months is at least 100,000": an account meeting
    any active rule of a tier gets that tier, the top tier (lowest position) winning; an account
    meeting none gets the lowest active tier. Hand-set tiers are never changed."""

    tier = models.ForeignKey(TierLevel, on_delete=models.CASCADE, related_name="rules")
    metric = models.CharField(max_length=16, choices=RuleMetric.choices)
    threshold = models.DecimalField(
        "at least", max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Won revenue only: the deals won in this many months before today.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["tier__position", "tier__code", "pk"]

    def __str__(self) -> str:
        text = f"{self.tier.code} when {self.get_metric_display().lower()} ≥ {self.threshold:,.0f}"
        if self.metric == RuleMetric.WON_REVENUE:
            text = (
                f"{self.tier.code} when won revenue in the last {self.months} months "
                f"≥ {self.threshold:,.0f}"
            )
        return text


class FollowupTask(models.Model):
    """A task the worker created because an account fell due for contact (one per account and
    due day), so running the daily task again creates nothing new."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    # Kept when the task is deleted, so the same due day does not get it again.
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "due_on"], name="followup_task_once_a_due")
        ]

    def __str__(self) -> str:
        return f"Follow-up of account {self.account_id} due {self.due_on}"


class DigestSent(models.Model):
    """A user's daily digest went out on `day`: never twice the same day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"Digest of user {self.user_id} on {self.day}"


class CalendarFeed(TimeStampedModel):
    """A user's calendar feed: the secret in its URL. Regenerating replaces the token (the old
    URL answers 404); revoking deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(token=""), name="calendar_token_set")]

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id}"
