"""Follow-up: tier cadences, contact due, reminders, the daily digest and calendar feeds."""

from __future__ import annotations

from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "salesflow.followup"
    label = "followup"
