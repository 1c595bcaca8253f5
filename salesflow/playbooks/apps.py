from __future__ import annotations

from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    """Checklists, question sets, first-meeting rules and the objection library."""

    name = "salesflow.playbooks"
    label = "playbooks"

    def ready(self) -> None:
        from salesflow.core.config_cache import config_models_register
        from salesflow.playbooks import models

        # What record pages cache between requests (salesflow.core.config_cache).
        config_models_register(
            models.ChecklistItem, models.QuestionSet, models.Question, models.NextActionRule,
            models.LibraryResponse,
        )  # fmt: skip
        from salesflow.playbooks.criteria import criteria_register
        from salesflow.playbooks.panels import panels_register
        from salesflow.playbooks.panels_customers import panels_register as customer_panels

        criteria_register()
        panels_register()
        customer_panels()
