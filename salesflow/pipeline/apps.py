from __future__ import annotations

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "salesflow.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        from salesflow.pipeline.panels import panels_register

        panels_register()
        from salesflow.pipeline.views_bulk import register as lists_register

        lists_register()
