"""The record-level access policy: the one place that decides who may read or change a record.

Every selector that returns protected rows builds on `readable_q` / `writable_q`, and every
service that changes a record checks `can_write`. The rules:

- an inactive user reaches nothing;
- an admin (role admin or superuser) reaches everything;
- a manager reads and changes every record of their teams and of every team below them (a
  manager of a regional office manages its sub-teams), and reads records shared with everyone;
- a rep reads and changes their own records and team-shared records of their teams, and reads
  records shared with everyone;
- changing a record's owner, team or visibility needs more than changing it: the owner, a
  manager of its team or an admin (`can_hand_over`).

A record is an `OwnedModel`: `owner`, `team` and `visibility` columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q

from salesflow.users.models import Visibility

if TYPE_CHECKING:
    from salesflow.users.models import OwnedModel, User

NOTHING = Q(pk__in=[])


def team_ids_of(user: Any) -> list[int]:
    """The ids of the user's teams, cached on the user object for the request."""
    cached = getattr(user, "_salesflow_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True)) if user.pk else []
        user._salesflow_team_ids = cached
    return cached


def managed_team_ids(user: Any) -> list[int]:
    """The teams whose records the user manages: a manager's teams and every team below them
    (`Team.parent`), others their own teams. One query (a recursive CTE), cached on the user
    object for the request, so the cost does not grow with the depth of the tree."""
    if not getattr(user, "is_manager", False):
        return team_ids_of(user)
    cached = getattr(user, "_salesflow_managed_team_ids", None)
    if cached is None:
        cached = _team_tree_ids(user.pk) if user.pk else []
        user._salesflow_managed_team_ids = cached
    return cached


def _team_tree_ids(user_id: int) -> list[int]:
    from salesflow.users.models import Team, User

    team = Team._meta.db_table
    membership = User.teams.through._meta.db_table
    # UNION (not UNION ALL) stops at rows already found, so even a cycle written around the
    # services cannot make the query loop.
    # The table names come from the models' metadata; the user id is a parameter.
    sql = (
        f"WITH RECURSIVE tree(id) AS ("  # noqa: S608
        f" SELECT team_id FROM {membership} WHERE user_id = %s"
        f" UNION SELECT child.id FROM {team} child JOIN tree ON child.parent_id = tree.id"
        f") SELECT id FROM tree"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        return sorted(row[0] for row in cursor.fetchall())


def _prefixed(prefix: str, **lookups: Any) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})


def writable_q(user: User | Any, prefix: str = "") -> Q:
    """Rows of an OwnedModel the user may change (prefix reaches it through a relation)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_admin:
        return Q()
    q = _prefixed(prefix, owner_id=user.pk)
    if user.is_manager:
        q |= _prefixed(prefix, team_id__in=managed_team_ids(user))
    else:
        q |= _prefixed(prefix, visibility=Visibility.TEAM, team_id__in=team_ids_of(user))
    return q


def readable_q(user: User | Any, prefix: str = "") -> Q:
    """Rows of an OwnedModel the user may read."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_admin:
        return Q()
    return writable_q(user, prefix) | _prefixed(prefix, visibility=Visibility.EVERYONE)


def can_write(user: User | Any, record: OwnedModel) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_admin:
        return True
    if record.owner_id == user.pk:
        return True
    if record.team_id is None:
        return False
    if user.is_manager:
        return record.team_id in managed_team_ids(user)
    return record.team_id in team_ids_of(user) and record.visibility == Visibility.TEAM


def can_hand_over(user: User | Any, record: OwnedModel) -> bool:
    """Whether the user may change who owns the record, its team or who may see it.

    Writing a record is not enough: a rep who may edit a teammate's team-shared record could
    otherwise give it to themselves as private and lock the teammate out. Only the record's
    owner, a manager of the record's team (or of a team above it) and admins may.
    (`users.services.owner_change_check` lets a writer pick up an unowned record from a team
    queue.)
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_admin or (record.owner_id is not None and record.owner_id == user.pk):
        return True
    return bool(
        user.is_manager and record.team_id is not None and record.team_id in managed_team_ids(user)
    )


def can_read(user: User | Any, record: OwnedModel) -> bool:
    if can_write(user, record):
        return True
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and record.visibility == Visibility.EVERYONE
    )


def users_visible_to(user: User | Any) -> Any:
    """People the user may pick as owners or see in filters: admins all, managers the members
    of the teams they manage (sub-teams included), reps their teams."""
    from salesflow.users.models import User as UserModel

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserModel.objects.none()
    if user.is_admin:
        return UserModel.objects.all()
    teams = managed_team_ids(user)
    return UserModel.objects.filter(Q(pk=user.pk) | Q(teams__in=teams)).distinct()


def require_admin(user: User | Any) -> None:
    """Settings, the audit log and other admin pages: refuse everyone but active admins."""
    from salesflow.core.errors import AccessDenied

    if not (getattr(user, "is_authenticated", False) and user.is_admin):
        raise AccessDenied("Only an admin may open this page.")


def require_manager(user: User | Any, *, what: str = "open this page") -> None:
    """Lead queue, campaigns, objection library: refuse everyone but active managers and admins."""
    from salesflow.core.errors import AccessDenied

    if not (getattr(user, "is_authenticated", False) and (user.is_admin or user.is_manager)):
        raise AccessDenied(f"Only a manager or an admin may {what}.")


def teams_marking_own(user: User | Any) -> list[Any]:
    """Every team by name, each with `is_own` (the user is a member), for a list's team filter.

    It also fills the user's team ids for the request (`team_ids_of`), so a page that shows the
    filter and applies the policy pays one query for both.
    """
    from django.db.models import Exists, OuterRef

    from salesflow.users.models import Team
    from salesflow.users.models import User as UserModel

    membership = UserModel.teams.through.objects.filter(team_id=OuterRef("pk"), user_id=user.pk)
    teams = list(Team.objects.annotate(is_own=Exists(membership)).order_by("name"))
    if user.pk and getattr(user, "_salesflow_team_ids", None) is None:
        user._salesflow_team_ids = [team.pk for team in teams if team.is_own]
    return teams
