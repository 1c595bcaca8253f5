from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "salesflow.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from salesflow.imports.personal import personal_register  # privacy requests

        personal_register()
