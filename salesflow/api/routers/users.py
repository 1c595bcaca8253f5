"""The signed-in user, and the people they may see (to look up owner ids)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from salesflow.api.schemas import READ_ERRORS, PageQuery, choices_literal, page
from salesflow.followup.ics import feed_url
from salesflow.followup.selectors import calendar_feed_of
from salesflow.users.models import Role
from salesflow.users.policy import team_ids_of
from salesflow.users.selectors import team_tree_ids, users_listed_to

router = Router(tags=["users"])

RoleIn = choices_literal(Role)


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
    calendar_url: str | None = Field(
        description="Your calendar feed (ICS) address; null until you create one "
        "(POST /calendar/token, or the Calendar page)."
    )

    @staticmethod
    def resolve_team_ids(user: Any) -> list[int]:
        return sorted(team_ids_of(user))

    @staticmethod
    def resolve_calendar_url(user: Any) -> str | None:
        feed = calendar_feed_of(user)
        return feed_url(feed.token) if feed is not None else None


@router.get("/me", response={200: MeOut, **READ_ERRORS})
def me(request: HttpRequest) -> Any:
    return request.auth


class TeamRefOut(Schema):
    id: int
    name: str
    parent_id: int | None = Field(description="The team above it; null at the top.")


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    full_name: str = Field(description="First and last name; the username when both are empty.")
    role: str = Field(description="admin, manager or rep.")
    is_active: bool = Field(description="False: may no longer sign in; still owns records.")
    teams: list[TeamRefOut]

    @staticmethod
    def resolve_full_name(user: Any) -> str:
        return user.get_full_name() or user.username

    @staticmethod
    def resolve_teams(user: Any) -> list[Any]:
        return list(user.teams.all())  # prefetched, ordered by name


class UserList(Schema):
    items: list[UserOut]
    count: int


class UserQuery(PageQuery):
    q: str | None = Field(None, description="Words of the username, first or last name.")
    role: RoleIn | None = None
    team_id: int | None = Field(None, description="Members of this team or a team below it.")
    is_active: bool | None = None


@router.get("/users", response={200: UserList, **READ_ERRORS})
def user_list(request: HttpRequest, query: Query[UserQuery]) -> dict[str, Any]:
    """The people you may see, to look up `owner_id`s: admins everyone, managers the members
    of the teams they manage (sub-teams included) and themselves, reps their teams' members.
    Ordered by username."""
    if query.team_id is not None and not team_tree_ids(query.team_id):
        raise NinjaValidationError(
            [
                {
                    "loc": ["query", "team_id"],
                    "msg": f"There is no team with id {query.team_id}.",
                    "type": "value_error",
                }
            ]
        )
    people = users_listed_to(
        request.auth,
        q=query.q or "",
        role=query.role,
        team_id=query.team_id,
        is_active=query.is_active,
    )
    return page(people, query)
