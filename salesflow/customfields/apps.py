from __future__ import annotations

from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    """Fields admins add to leads, contacts, accounts, deals and activities."""

    name = "salesflow.customfields"
    label = "customfields"
    verbose_name = "Custom fields"

    def ready(self) -> None:
        from salesflow.core.config_cache import config_models_register
        from salesflow.customfields.models import CustomField

        config_models_register(CustomField)  # record pages cache the definitions
