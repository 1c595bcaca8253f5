from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.users import policy
from salesflow.users.models import ApiToken, OwnedModel, Role, Team, User

TOKEN_PREFIX = "sf_"  # noqa: S105 (a label, not a secret)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str = Role.REP,
    team_name: str | None = None,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_active: bool = True,
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"A user named {username!r} already exists."})
    user = User(
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_active=is_active,
        is_staff=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    if team_name:
        team, _ = Team.objects.get_or_create(name=team_name)
        user.teams.add(team)
    return user


def _require_admin(acting_user: Any, what: str) -> None:
    if not (getattr(acting_user, "is_authenticated", False) and acting_user.is_admin):
        raise AccessDenied(f"Only an admin may {what}.")


def team_get_or_create(*, name: str, acting_user: Any) -> tuple[Team, bool]:
    """The team of that name (ignoring capitals and spacing), created when there is none."""
    _require_admin(acting_user, "create teams")
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    team = Team.objects.filter(name__iexact=name).order_by("pk").first()
    if team is not None:
        return team, False
    team = Team(name=name)
    team.full_clean()
    team.save()
    return team, True


@transaction.atomic
def team_parent_check(team: Team, parent: Team | None) -> None:
    """Refuse a parent that is the team itself or one of the teams below it: the tree would
    become a cycle, and a manager's teams would never end. (The admin site's team form asks
    it too.)"""
    if parent is None or team.pk is None:
        return
    parent_of = dict(Team.objects.values_list("pk", "parent_id"))
    chain, current = [parent.pk], parent_of.get(parent.pk)
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    if team.pk in chain:
        names = dict(Team.objects.filter(pk__in=chain).values_list("pk", "name"))
        path = " → ".join(names[pk] for pk in reversed(chain[: chain.index(team.pk) + 1]))
        raise ValidationError(
            {
                "parent": f"Team {team.name!r} cannot be placed under {parent.name!r}: "
                f"{parent.name!r} is already below it ({path} → {parent.name}), so the "
                "teams would form a cycle."
                if parent.pk != team.pk
                else f"Team {team.name!r} cannot be its own parent team."
            }
        )


def team_parent_set(team: Team, *, parent: Team | None, acting_user: Any) -> bool:
    """Put the team under `parent` (None: at the top); whether it changed.

    Refused when the parent is the team itself or one of the teams below it
    (`team_parent_check`).
    """
    _require_admin(acting_user, "change teams")
    if (parent.pk if parent else None) == team.parent_id:
        return False
    team_parent_check(team, parent)
    team.parent = parent
    team.save(update_fields=["parent", "updated_at"])
    return True


@transaction.atomic
def user_update(
    user: User, *, acting_user: Any, teams: list[Team] | None = None, **fields: Any
) -> User:
    """Change a user's name, email, role, active flag and (when given) teams; admins only.

    The Django admin flag follows the role, as in `user_create`. Passwords are not changed here.
    """
    _require_admin(acting_user, "change users")
    allowed = {"username", "email", "first_name", "last_name", "role", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"user_update cannot change {', '.join(sorted(unknown))}")
    if "role" in fields and fields["role"] not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    demoted = "role" in fields and fields["role"] != Role.ADMIN and not user.is_superuser
    if user.pk == acting_user.pk and (fields.get("is_active") is False or demoted):
        raise ValidationError({"role": "You cannot demote or deactivate yourself."})
    for name, value in fields.items():
        setattr(user, name, value)
    if "role" in fields:
        user.is_staff = user.role == Role.ADMIN or user.is_superuser
    user.full_clean()
    user.save()
    if teams is not None:
        user.teams.set(teams)
    return user


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; the plain key is returned once and never stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], key_hash=ApiToken.hash_key(key)
    )
    return token, key


# How precisely a token's last use is kept: a read request writes at most once a minute, so
# reads do not queue for SQLite's write lock behind an import or a backup.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_authenticate(key: str) -> User | None:
    """The active user behind a bearer token, recording when it was last used (to the minute)."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_RESOLUTION:
        # One autocommit statement. If the database is busy writing (an import, a backup), this
        # bookkeeping waits for the token's next request instead of failing this one.
        with contextlib.suppress(OperationalError):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def record_require_write(user: Any, record: OwnedModel) -> None:
    if not policy.can_write(user, record):
        raise AccessDenied("You may see this record but not change it.")


def ownership_defaults(*, acting_user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Fill owner and team for a new record and check the acting user may assign that owner."""
    owner = data.get("owner", acting_user)
    data["owner"] = owner
    if owner is not None and owner != acting_user:
        owner_ok = policy.users_visible_to(acting_user).filter(pk=owner.pk).exists()
        if not owner_ok:
            raise ValidationError({"owner": "You can only assign records to people in your teams."})
    if data.get("team") is None and owner is not None:
        data["team"] = owner.teams.order_by("pk").first()
    return data


# The fields that decide who reaches a record, with the words a refusal uses for them.
HANDOVER_FIELDS = {"owner": "owner", "team": "team", "visibility": "visibility"}


def _handover_changes(record: OwnedModel, data: dict[str, Any]) -> list[str]:
    """The fields among owner, team and visibility that `data` sets to a new value."""
    changes = []
    for name in HANDOVER_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "visibility":
            differs = value != record.visibility
        else:
            differs = getattr(value, "pk", value) != getattr(record, f"{name}_id")
        if differs:
            changes.append(name)
    return changes


def owner_change_check(*, acting_user: Any, record: OwnedModel, data: dict[str, Any]) -> None:
    """Check a change of the record's owner, team or visibility, before any field is set.

    Only the record's owner, a manager of its team or an admin may change them
    (`policy.can_hand_over`); a writer may still pick up a record nobody owns from the team
    queue. The new owner must be someone the acting user may see, and the team follows them.
    Call it from every service that changes an owned record.
    """
    changes = _handover_changes(record, data)
    if changes and not policy.can_hand_over(acting_user, record):
        # Taking a record nobody owns from the queue is not handing it over.
        refused = [name for name in changes if name != "owner" or record.owner_id is not None]
        if refused:
            raise ValidationError(
                {
                    name: f"Only the owner or a manager of the team may change the "
                    f"{HANDOVER_FIELDS[name]}."
                    for name in refused
                }
            )
    owner = data.get("owner")
    if "owner" not in changes or owner is None:
        return
    if not policy.users_visible_to(acting_user).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": "You can only assign records to people in your teams."})
    if "team" not in data:
        data["team"] = owner.teams.order_by("pk").first() or record.team
