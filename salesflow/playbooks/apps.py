from __future__ import annotations

from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    """Checklists, question sets, first-meeting rules and the objection library."""

    name = "salesflow.playbooks"
    label = "playbooks"

    def ready(self) -> None:
        from salesflow.playbooks.criteria import criteria_register
        from salesflow.playbooks.panels import panels_register

        criteria_register()
        panels_register()
