from __future__ import annotations

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "salesflow.analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Each report module registers itself (salesflow.analytics.registry).
        from salesflow.analytics import reports  # noqa: F401
        from salesflow.analytics.panels import panels_register

        panels_register()
