from __future__ import annotations

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "salesflow.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        from salesflow.core.config_cache import config_models_register
        from salesflow.pipeline import models

        # What record pages cache between requests (salesflow.core.config_cache).
        config_models_register(
            models.Pipeline, models.Stage, models.StageRequirement, models.LostReason,
            models.Competitor,
        )  # fmt: skip
        from salesflow.pipeline.panels import panels_register

        panels_register()
        from salesflow.pipeline.views_bulk import register as lists_register

        lists_register()
