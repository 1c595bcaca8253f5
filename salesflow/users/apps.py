from __future__ import annotations

from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "salesflow.users"
    label = "users"
    verbose_name = "Users and teams"

    def ready(self) -> None:
        # Two-factor: a sign-in that skipped the code page still owes a code (docs/two-factor.md).
        from salesflow.users import twofactor_middleware  # noqa: F401
