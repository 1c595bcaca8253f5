from __future__ import annotations

from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "salesflow.activities"
    label = "activities"

    def ready(self) -> None:
        from salesflow.activities.panels import panels_register

        panels_register()
        from salesflow.activities.views_bulk import register as lists_register

        lists_register()
