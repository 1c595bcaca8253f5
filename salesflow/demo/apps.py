from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying Salesflow out: the `salesflow demo` command. Owns no models."""

    name = "salesflow.demo"
    label = "demo"
    verbose_name = "Demo data"
