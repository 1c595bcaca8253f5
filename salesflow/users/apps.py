from __future__ import annotations

from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "salesflow.users"
    label = "users"
    verbose_name = "Users and teams"
