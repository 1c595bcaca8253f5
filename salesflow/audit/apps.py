from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "salesflow.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        # Sign-in events are recorded from Django's auth signals: the only place they are raised.
        from salesflow.audit import receivers  # noqa: F401
