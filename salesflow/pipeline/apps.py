from __future__ import annotations

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "salesflow.pipeline"
    label = "pipeline"
