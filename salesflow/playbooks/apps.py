from __future__ import annotations

from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    """Checklists, question sets, first-meeting rules and the objection library."""

    name = "salesflow.playbooks"
    label = "playbooks"

    def ready(self) -> None:
        from salesflow.playbooks.criteria import criteria_register
        from salesflow.playbooks.panels import panels_register
        from salesflow.playbooks.panels_customers import panels_register as customer_panels

        criteria_register()
        panels_register()
        customer_panels()
