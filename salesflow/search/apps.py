from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_indexes(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from salesflow.search.services import search_index_ensure

    search_index_ensure(using=using)


class SearchConfig(AppConfig):
    """Finding records by typing: the global search box and the record pickers of forms.

    It sits beside `pages`, above the domain apps: it reads every kind of record through the
    apps' visibility selectors, and none of them imports it.
    """

    name = "salesflow.search"
    label = "search"

    def ready(self) -> None:
        # After every migrate: a table rebuilt by a later migration of another app loses the
        # search triggers on SQLite; put them back (services.search_index_ensure).
        post_migrate.connect(_ensure_indexes, sender=self, dispatch_uid="search-index-ensure")
