from __future__ import annotations

from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that combine several apps (My day; later search and the manager's dashboard).

    It sits above the domain apps: it may read any of them, and none of them imports it.
    """

    name = "salesflow.pages"
    label = "pages"
