"""The users kind: staff users with their role and team, and the teams with their parent team.

Only an admin may run it (`import_kind_allow` refuses others before a job exists; the handler
checks again). A row matches a user by username, then by email; teams are found by name
(ignoring capitals and spacing) and created as needed, through the users app's services, which
refuse a parent team that would make a cycle. Passwords are never imported: a new user has no
usable password until they set one (`salesflow changepassword`) or an admin does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower

from salesflow.imports.kinds import CREATED, UNCHANGED, UPDATED, Handler, changes_of
from salesflow.imports.mapping import MappedRow
from salesflow.imports.resolver import RowProblem
from salesflow.users.models import Role, Team, User
from salesflow.users.services import (
    team_get_or_create,
    team_parent_set,
    user_create,
    user_update,
)

USER_FIELDS = ("username", "email", "first_name", "last_name", "role", "is_active")
ADMINS_ONLY = "Only an admin may import users and teams."


def users_named(users: Iterable[User]) -> str:
    """ "jdoe (John Doe) and john (John Doe)": people named so an admin can tell them apart."""
    named = [
        f"{u.username} ({u.get_full_name()})" if u.get_full_name() else u.username for u in users
    ]
    return ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else "".join(named)


class UserHandler(Handler):
    model = User
    field_targets = {"parent": "parent_team", "teams": "team", "name": "team"}

    def key(self, row: MappedRow) -> tuple[Any, ...] | None:
        username = row.values.get("username", "")
        return ("username", username.lower()) if username else None

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        rows = list(rows)
        names = {row.values["username"].lower() for row in rows if row.values.get("username")}
        emails = {row.values["email"].lower() for row in rows if row.values.get("email")}
        found: dict[tuple[Any, ...], Any] = {}
        if not names and not emails:
            return found
        users = (
            User.objects.annotate(username_key=Lower("username"), email_key=Lower("email"))
            .filter(Q(username_key__in=names) | Q(email_key__in=emails))
            .prefetch_related("teams")
            .order_by("pk")
        )
        for user in users:
            found.setdefault(("username", user.username_key), user)
            if user.email_key:
                found.setdefault(("email", user.email_key), []).append(user)
        return found

    def write(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str:
        acting_user = self.ctx.acting_user
        if not acting_user.is_admin:
            raise ValidationError(ADMINS_ONLY)
        values = row.values
        key = self.key(row)
        if key is None:
            raise RowProblem("username", "A username is required.")
        user = known.get(key)
        email = values.get("email", "")
        if user is None and email:
            matches = known.get(("email", email.lower()), [])
            if len(matches) > 1:
                raise RowProblem(
                    "email",
                    f"{email} is the email of several users: {users_named(matches)}. Name the "
                    "user by the username they have in Salesflow.",
                )
            user = matches[0] if matches else None
        team, teams_changed = self.team(row)
        if user is None:
            user = user_create(
                username=values["username"],
                email=email,
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                role=values.get("role", Role.REP),
                is_active=values.get("is_active", True),
            )
            if team is not None:
                user.teams.set([team])
            action = CREATED
        else:
            data = {name: values[name] for name in USER_FIELDS if name in row.from_file}
            changes = changes_of(user, data)
            if team is not None and [t.pk for t in user.teams.all()] != [team.pk]:
                changes["teams"] = [team]
            if changes:
                user_update(user, acting_user=acting_user, **changes)
            action = UPDATED if changes or teams_changed else UNCHANGED
        known[key] = user
        if email:
            known[("email", email.lower())] = [user]
        return action

    def team(self, row: MappedRow) -> tuple[Team | None, bool]:
        """The row's team, created and put under its parent team as needed; whether any team
        was created or moved."""
        name, parent_name = row.values.get("team", ""), row.values.get("parent_team", "")
        if not name:
            if parent_name:
                raise RowProblem("parent_team", "A parent team needs a team on the same row.")
            return None, False
        acting_user = self.ctx.acting_user
        team, created = team_get_or_create(name=name, acting_user=acting_user)
        if not parent_name:
            return team, created
        parent, parent_created = team_get_or_create(name=parent_name, acting_user=acting_user)
        moved = team_parent_set(team, parent=parent, acting_user=acting_user)
        return team, created or parent_created or moved
