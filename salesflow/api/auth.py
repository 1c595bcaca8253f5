"""Bearer-token authentication for the API: `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from salesflow.audit.middleware import audit_actor_set
from salesflow.users.policy import require_admin, require_manager
from salesflow.users.services import token_authenticate


class BearerToken(HttpBearer):
    """The token's active user becomes `request.auth`; no or a bad token answers 401.

    With a `role` ("admin" or "manager": `auth=ADMIN_ONLY` / `auth=MANAGER_ONLY` on a route) a
    user without it is refused with 403 here, before ninja reads the body: a rep posting
    anything to an admin route learns nothing about what the body must hold (no 422 first).
    The route's service checks the role again.
    """

    def __init__(self, role: str | None = None) -> None:
        super().__init__()
        self.role = role

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            # Audit entries written during this request name the token's user.
            audit_actor_set(user)
            if self.role == "admin":
                require_admin(user)
            elif self.role == "manager":
                require_manager(user, what="do this")
        return user


ADMIN_ONLY = BearerToken(role="admin")
MANAGER_ONLY = BearerToken(role="manager")
