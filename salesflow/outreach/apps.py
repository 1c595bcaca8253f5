"""Customer communications: segments, email templates, campaigns, consent, unsubscribe."""

from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "salesflow.outreach"
    label = "outreach"
    verbose_name = "Email campaigns"

    def ready(self) -> None:
        from salesflow.outreach.panels import panels_register

        panels_register()
        from salesflow.outreach.views_bulk import register as bulk_register

        bulk_register()
