"""The names a person reads for the ids reports group by: one query per kind of name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from salesflow.users.models import Team, User


def user_labels(ids: Iterable[Any]) -> dict[Any, str]:
    """Each user's full name (else their username), by id."""
    users = User.objects.filter(pk__in=[pk for pk in ids if pk is not None])
    return {user.pk: user.get_full_name() or user.username for user in users}


def team_labels(ids: Iterable[Any]) -> dict[Any, str]:
    return dict(
        Team.objects.filter(pk__in=[pk for pk in ids if pk is not None]).values_list("pk", "name")
    )
