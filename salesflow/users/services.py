from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
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


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; the plain key is returned once and never stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def token_authenticate(key: str) -> User | None:
    """The active user behind a bearer token, recording when it was last used."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
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


def owner_change_check(*, acting_user: Any, record: OwnedModel, data: dict[str, Any]) -> None:
    """Moving a record to another owner: the new owner must be reachable, and the team follows."""
    owner = data.get("owner")
    if "owner" not in data or owner is None or owner.pk == record.owner_id:
        return
    if not policy.users_visible_to(acting_user).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": "You can only assign records to people in your teams."})
    if "team" not in data:
        data["team"] = owner.teams.order_by("pk").first() or record.team
