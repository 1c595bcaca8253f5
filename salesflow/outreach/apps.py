"""Customer communications: segments, email templates, campaigns, consent, unsubscribe."""

from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "salesflow.outreach"
    label = "outreach"
