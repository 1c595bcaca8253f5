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
