from __future__ import annotations

from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    """Fields admins add to leads, contacts, accounts, deals and activities."""

    name = "salesflow.customfields"
    label = "customfields"
    verbose_name = "Custom fields"
