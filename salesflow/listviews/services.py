"""Writing saved views: every page and the API go through these."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.errors import AccessDenied
from salesflow.listviews.models import SavedView, ViewVisibility
from salesflow.listviews.queries import query_normalize
from salesflow.listviews.registry import LISTS, list_spec
from salesflow.listviews.selectors import saved_view_can_write

_UNSET: Any = object()
NAME_MAX = 100


COLUMN_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
SORT_KEY = re.compile(r"^-?[A-Za-z0-9_.]{0,60}$")


def _name_clean(name: Any) -> str:
    name = str(name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if not name.isprintable():
        raise ValidationError({"name": "A view's name may not hold control characters."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"A view's name has at most {NAME_MAX} characters."})
    return name


def _name_unique(*, owner: Any, list_key: str, name: str, exclude: int | None = None) -> None:
    taken = SavedView.objects.filter(owner=owner, list_key=list_key, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": f"You already have a view named “{name}” on this list."})


def _columns_clean(columns: Any) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        columns = [part for part in columns.split(",")]
    if not isinstance(columns, list | tuple) or not all(isinstance(c, str) for c in columns):
        raise ValidationError({"columns": "Give the columns as a list of custom-field keys."})
    kept: list[str] = []
    for key in (column.strip() for column in columns):
        if key and not COLUMN_KEY.match(key):
            raise ValidationError({"columns": f"{key[:40]!r} is not a custom-field key."})
        if key and key not in kept:
            kept.append(key)
    return kept


def _sort_clean(sort: Any) -> str:
    sort = str(sort or "").strip()
    if not SORT_KEY.match(sort):
        raise ValidationError({"sort": "Give the list's sort key (letters, digits, _ and .)."})
    return sort


def _visibility_clean(visibility: Any, team: Any) -> str:
    if visibility not in ViewVisibility.values:
        raise ValidationError({"visibility": f"Choose one of: {', '.join(ViewVisibility.values)}."})
    if visibility == ViewVisibility.TEAM and team is None:
        raise ValidationError({"visibility": "You are in no team to share the view with."})
    return visibility


def _default_unset_others(view: SavedView) -> None:
    SavedView.objects.filter(owner_id=view.owner_id, list_key=view.list_key).exclude(
        pk=view.pk
    ).update(is_default=False)


@transaction.atomic
def saved_view_create(
    *,
    acting_user: Any,
    list_key: str,
    name: str,
    query: Any = "",
    columns: Any = None,
    sort: str = "",
    visibility: str = ViewVisibility.PRIVATE,
    is_default: bool = False,
) -> SavedView:
    """Keep a list's filters (`query`, a query string), sort and columns under a name that is
    unique among the owner's views of that list."""
    spec = list_spec(list_key)
    if spec is None:
        raise ValidationError({"list_key": f"Unknown list; choose one of: {', '.join(LISTS)}."})
    name = _name_clean(name)
    _name_unique(owner=acting_user, list_key=list_key, name=name)
    team = acting_user.teams.order_by("pk").first()
    view = SavedView(
        owner=acting_user,
        team=team,
        visibility=_visibility_clean(visibility, team),
        list_key=list_key,
        name=name,
        query=query_normalize(query or "", sort_param=spec.sort_param),
        columns=_columns_clean(columns),
        sort=_sort_clean(sort),
        is_default=bool(is_default),
    )
    view.full_clean()
    view.save()
    if view.is_default:
        _default_unset_others(view)
    return view


@transaction.atomic
def saved_view_update(
    view: SavedView,
    *,
    acting_user: Any,
    name: Any = _UNSET,
    query: Any = _UNSET,
    columns: Any = _UNSET,
    sort: Any = _UNSET,
    visibility: Any = _UNSET,
    is_default: Any = _UNSET,
) -> SavedView:
    """Rename, share or make private, replace the filters, sort or columns, or mark the view
    the owner's default. Only the owner, a manager of the view's team or an admin may."""
    if not saved_view_can_write(acting_user, view):
        raise AccessDenied("Only the view's owner, their manager or an admin may change it.")
    view = SavedView.objects.select_for_update().get(pk=view.pk)
    spec = list_spec(view.list_key)
    if name is not _UNSET:
        view.name = _name_clean(name)
        _name_unique(owner=view.owner, list_key=view.list_key, name=view.name, exclude=view.pk)
    if query is not _UNSET:
        view.query = query_normalize(query or "", sort_param=spec.sort_param if spec else "sort")
    if columns is not _UNSET:
        view.columns = _columns_clean(columns)
    if sort is not _UNSET:
        view.sort = _sort_clean(sort)
    if visibility is not _UNSET:
        if visibility == ViewVisibility.TEAM and view.team is None:
            view.team = view.owner.teams.order_by("pk").first()
        view.visibility = _visibility_clean(visibility, view.team)
    if is_default is not _UNSET:
        view.is_default = bool(is_default)
    view.full_clean()
    view.save()
    if view.is_default:
        _default_unset_others(view)
    return view


@transaction.atomic
def saved_view_delete(view: SavedView, *, acting_user: Any) -> None:
    if not saved_view_can_write(acting_user, view):
        raise AccessDenied("Only the view's owner, their manager or an admin may delete it.")
    view.delete()
