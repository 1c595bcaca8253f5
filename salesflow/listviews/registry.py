"""The lists that keep saved views: each list app registers its list from AppConfig.ready().

listviews sits below the list apps, so it never imports them: a `ListSpec` brings the list's
filter form (a `ListFilterForm`), its page and the custom fields it may show as columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ListSpec:
    key: str  # deal, lead, account, contact, activity
    label: str  # "Deals"
    url_name: str  # "pipeline:deal-list"
    form: Callable[..., Any]  # form(data, user=user) -> a ListFilterForm
    # The custom fields that may be shown as columns: [(key, label, field)]; all active ones.
    columns: Callable[[], list[tuple[str, str, Any]]] = field(default=lambda: [])
    sort_param: str = "sort"
    # The list's bulk actions (a salesflow.listviews.bulk.BulkRegistry) and the URL that runs them.
    bulk: Any = None
    bulk_url_name: str = ""


LISTS: dict[str, ListSpec] = {}


def list_register(spec: ListSpec) -> None:
    LISTS[spec.key] = spec


def list_spec(key: str) -> ListSpec | None:
    return LISTS.get(key)
