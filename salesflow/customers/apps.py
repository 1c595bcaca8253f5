from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "salesflow.customers"
    label = "customers"

    def ready(self) -> None:
        from salesflow.customers.views_bulk import register as lists_register

        lists_register()
