"""Reading saved views, by the access policy of owned records."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from salesflow.core.errors import AccessDenied
from salesflow.listviews.models import SavedView, ViewVisibility
from salesflow.users import policy


def saved_views_visible_to(user: Any) -> QuerySet[SavedView]:
    """A rep reads their own views and those shared with their teams; a manager every view of
    the teams they manage (private ones too, as with any record); an admin all."""
    return SavedView.objects.filter(policy.readable_q(user)).select_related("owner")


def saved_views_for_list(user: Any, list_key: str) -> QuerySet[SavedView]:
    """The views offered on a list page: the user's own and those shared with their teams
    (another person's private view stays out of the bar, even for a manager or admin)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SavedView.objects.none()
    shared = Q(visibility=ViewVisibility.TEAM, team_id__in=policy.team_ids_of(user))
    return (
        SavedView.objects.filter(Q(owner=user) | shared, list_key=list_key)
        .select_related("owner")
        .order_by("name", "pk")
    )


def saved_view_can_write(user: Any, view: SavedView) -> bool:
    """The owner, a manager of the view's team, an admin: never a teammate it is shared with."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_admin or view.owner_id == user.pk:
        return True
    return bool(user.is_manager and view.team_id in policy.managed_team_ids(user))


def saved_view_get_for_user(user: Any, pk: int, *, write: bool = False) -> SavedView:
    view = saved_views_visible_to(user).filter(pk=pk).first()
    if view is None:
        raise Http404("No such saved view.")
    if write and not saved_view_can_write(user, view):
        raise AccessDenied("Only the view's owner, their manager or an admin may change it.")
    return view
