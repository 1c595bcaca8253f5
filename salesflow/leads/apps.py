from __future__ import annotations

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "salesflow.leads"
    label = "leads"

    def ready(self) -> None:
        from salesflow.leads.views_bulk import register as lists_register

        lists_register()
