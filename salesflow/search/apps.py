from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Finding records by typing: the global search box and the record pickers of forms.

    It sits beside `pages`, above the domain apps: it reads every kind of record through the
    apps' visibility selectors, and none of them imports it.
    """

    name = "salesflow.search"
    label = "search"
