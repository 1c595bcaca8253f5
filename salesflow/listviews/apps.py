from __future__ import annotations

from django.apps import AppConfig


class ListviewsConfig(AppConfig):
    """Saved views of list pages: a list's filters, sort and columns kept under a name."""

    name = "salesflow.listviews"
    label = "listviews"
