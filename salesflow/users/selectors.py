"""Reads of people and teams: the team tree below a team, and the people a user may look up."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from salesflow.users import policy
from salesflow.users.models import Team, User


def team_tree_ids(team_id: int) -> list[int]:
    """The team and every team below it (`Team.parent`), in one query (a recursive CTE).

    A list filter "team North" means North's own records and those of its sub-teams, the way a
    manager of North manages them. An unknown id answers an empty list.
    """
    team = Team._meta.db_table
    # UNION (not UNION ALL) stops at rows already found, so even a cycle cannot loop. The table
    # name comes from the model's metadata; the team id is a parameter.
    sql = (
        f"WITH RECURSIVE tree(id) AS ("  # noqa: S608
        f" SELECT id FROM {team} WHERE id = %s"
        f" UNION SELECT child.id FROM {team} child JOIN tree ON child.parent_id = tree.id"
        f") SELECT id FROM tree"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [team_id])
        return sorted(row[0] for row in cursor.fetchall())


def users_listed_to(
    user: Any,
    *,
    q: str = "",
    role: str | None = None,
    team_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[User]:
    """The people `user` may see (`policy.users_visible_to`), with their teams prefetched, for
    looking up owner ids: filtered by a part of the name or username, role, team (sub-teams
    included) and whether they may sign in. Ordered by username."""
    people = policy.users_visible_to(user)
    for word in q.split():
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    if role:
        people = people.filter(role=role)
    if team_id is not None:
        members = User.teams.through.objects.filter(team_id__in=team_tree_ids(team_id))
        people = people.filter(pk__in=members.values("user_id"))
    if is_active is not None:
        people = people.filter(is_active=is_active)
    teams = Prefetch("teams", queryset=Team.objects.order_by("name"))
    return people.prefetch_related(teams).order_by("username", "pk")
