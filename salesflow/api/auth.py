"""Bearer-token authentication for the API: `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from salesflow.audit.middleware import audit_actor_set
from salesflow.users.services import token_authenticate


class BearerToken(HttpBearer):
    """The token's active user becomes `request.auth`; no or a bad token answers 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            # Audit entries written during this request name the token's user.
            audit_actor_set(user)
        return user
