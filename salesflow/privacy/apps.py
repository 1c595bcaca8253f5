from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "salesflow.privacy"
    label = "privacy"

    def ready(self) -> None:
        from salesflow.privacy.places import places_register

        places_register()
