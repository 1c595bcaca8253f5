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
        # The funnel's and detours' summary rows follow every stage-history write
        # (salesflow.analytics.summary).
        from salesflow.analytics.summary import deal_summaries_refresh
        from salesflow.pipeline.transitions import history_changed_hook_register

        history_changed_hook_register(deal_summaries_refresh)
