"""Abstract bases shared by the domain apps. No domain nouns here."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """A row with an optimistic-lock counter, bumped by every service that changes it."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class ClosedPeriod(models.TextChoices):
    """Which closed deals the board shows in its Won and Lost columns, by their close date."""

    MONTH = "month", "Closed this month"
    QUARTER = "quarter", "Closed this quarter"
    ALL = "all", "All closed deals"


class SiteSettings(models.Model):
    """Organisation-wide settings an admin edits; a single row (pk=1), see `site_settings()`."""

    phone_region = models.CharField(
        max_length=2,
        default="US",
        help_text="ISO country code used to read phone numbers written without +country code.",
    )
    default_currency = models.CharField(max_length=3, default="EUR")
    board_closed_period = models.CharField(
        max_length=16,
        choices=ClosedPeriod.choices,
        default=ClosedPeriod.MONTH,
        verbose_name="closed deals on the board",
        help_text="Which won and lost deals the board shows until a person picks otherwise.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="site_settings_single_row")
        ]

    def __str__(self) -> str:
        return "Site settings"


class ConfigVersion(models.Model):
    """The configuration's version: a single row (pk=1) whose token every configuration write
    replaces, in the write's own transaction (see `salesflow.core.config_cache`). Processes
    that cache configuration read it once per page and forget their cache when it changed."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "configuration version"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="config_version_single_row")
        ]

    def __str__(self) -> str:
        return f"Configuration version {self.token}"
