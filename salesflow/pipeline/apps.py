from __future__ import annotations

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "salesflow.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        from salesflow.pipeline.panels import panels_register

        panels_register()
