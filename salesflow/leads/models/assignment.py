"""Routing new leads: assignment rules and each team's round-robin."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from salesflow.customers.models import SizeBand
from salesflow.users.models import Team


class AssignmentRule(models.Model):
    """Where routed leads go: the first active rule (lowest priority) that matches wins."""

    name = models.CharField(max_length=150)
    priority = models.PositiveSmallIntegerField(default=100, help_text="Lower goes first.")
    region = models.CharField(max_length=100, blank=True, help_text="Blank matches any.")
    industry = models.CharField(max_length=100, blank=True, help_text="Blank matches any.")
    size_band = models.CharField(
        max_length=16, choices=SizeBand.choices, blank=True, help_text="Blank matches any."
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assignment_rules")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A fixed rep; blank shares the leads round-robin among the team's reps.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class TeamRoundRobin(models.Model):
    """The rep of a team who got the last routed lead; locked while choosing the next."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="round_robin"
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_assigned_id}"
