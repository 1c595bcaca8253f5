"""The signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from salesflow.api.schemas import READ_ERRORS
from salesflow.users.policy import team_ids_of

router = Router(tags=["users"])


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    is_admin: bool
    is_manager: bool
    team_ids: list[int]

    @staticmethod
    def resolve_team_ids(user: Any) -> list[int]:
        return sorted(team_ids_of(user))


@router.get("/me", response={200: MeOut, **READ_ERRORS})
def me(request: HttpRequest) -> Any:
    return request.auth
