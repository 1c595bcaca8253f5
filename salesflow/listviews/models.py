"""Saved views: a list page's filters, sort and columns kept under a name."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from salesflow.core.models import TimeStampedModel
from salesflow.users.models import Team


class ViewVisibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    TEAM = "team", "Shared with my team"


class SavedView(TimeStampedModel):
    """One named view of one list (`list_key`: deal, lead, account, contact, activity).

    `query` is the list's normalized query string without sort, columns and paging (the same
    string the list's API endpoint takes); `columns` the custom-field keys shown as columns
    (empty: the admin's default columns); `sort` the list's sort key, if it has one.
    Readers: the owner, their team when shared, the team's managers, admins (the access policy
    of owned records); writers: the owner, the team's managers and admins, never teammates.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    visibility = models.CharField(
        max_length=16, choices=ViewVisibility.choices, default=ViewVisibility.PRIVATE
    )
    list_key = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    query = models.TextField(blank=True)
    columns = models.JSONField(default=list, blank=True)
    sort = models.CharField(max_length=60, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_key", "name"], name="listviews_name_unique_per_owner"
            )
        ]
        indexes = [models.Index(fields=["list_key", "team"], name="listviews_list_team")]

    def __str__(self) -> str:
        return self.name
