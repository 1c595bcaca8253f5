"""Saved views of the list pages: a list's filters, sort and columns under a name.

A view's `query` is the query string of the list's page and of the list's API endpoint
(`/deals`, `/leads`, `/accounts`, `/contacts`, `/activities`): apply a view by appending it to
that endpoint (`GET /api/v1/deals?{query}`; `custom.<key>` filters included). `columns` are
the custom-field keys shown as columns, `sort` the list's sort key (leads: `sort=`).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.schemas import READ_ERRORS, WRITE_ERRORS, InputSchema, PageQuery, page
from salesflow.listviews import services
from salesflow.listviews.models import ViewVisibility
from salesflow.listviews.selectors import saved_view_get_for_user, saved_views_visible_to

router = Router(tags=["saved views"])

ListKey = Literal["deal", "lead", "account", "contact", "activity"]
VisibilityIn = Literal[tuple(ViewVisibility.values)]  # type: ignore[valid-type]
QUERY_HELP = (
    "The list's query string (filters only), e.g. `stage=3&owner=5&custom.region=north`; "
    "the same string filters the list's API endpoint."
)


class SavedViewIn(InputSchema):
    list_key: ListKey = Field(description="Which list the view belongs to.")
    name: str = Field(min_length=1, max_length=100)
    query: str = Field("", max_length=4000, description=QUERY_HELP)
    columns: list[str] = Field(default_factory=list, description="Custom-field keys shown.")
    sort: str = Field("", max_length=60)
    visibility: VisibilityIn = "private"
    is_default: bool = False


class SavedViewPatch(InputSchema):
    """Only the given fields change."""

    name: str = Field(None, min_length=1, max_length=100)
    query: str = Field(None, max_length=4000, description=QUERY_HELP)
    columns: list[str] = Field(None)
    sort: str = Field(None, max_length=60)
    visibility: VisibilityIn = Field(None)
    is_default: bool = Field(None)


class SavedViewOut(Schema):
    id: int
    list_key: str
    name: str
    query: str = Field(description=QUERY_HELP)
    columns: list[str]
    sort: str
    visibility: str
    is_default: bool
    owner_id: int
    team_id: int | None


class SavedViewList(Schema):
    items: list[SavedViewOut]
    count: int


class SavedViewQuery(PageQuery):
    list: ListKey | None = Field(None, description="Only the views of this list.")


@router.get("/saved-views", response={200: SavedViewList, **READ_ERRORS})
def saved_view_list(request: HttpRequest, query: Query[SavedViewQuery]) -> dict[str, Any]:
    """The views you may read: your own, those shared with your teams; a manager's teams'
    views; all for an admin."""
    views = saved_views_visible_to(request.auth)
    if query.list:
        views = views.filter(list_key=query.list)
    return page(views.order_by("list_key", "name", "pk"), query)


@router.post("/saved-views", response={201: SavedViewOut, **WRITE_ERRORS})
def saved_view_add(request: HttpRequest, payload: SavedViewIn) -> Status[Any]:
    data = payload.model_dump()
    return Status(201, services.saved_view_create(acting_user=request.auth, **data))


@router.get("/saved-views/{view_id}", response={200: SavedViewOut, **READ_ERRORS})
def saved_view_detail(request: HttpRequest, view_id: int) -> Any:
    return saved_view_get_for_user(request.auth, view_id)


@router.patch("/saved-views/{view_id}", response={200: SavedViewOut, **WRITE_ERRORS})
def saved_view_change(request: HttpRequest, view_id: int, payload: SavedViewPatch) -> Any:
    """Rename, share, replace the filters: the owner, a manager of their team or an admin."""
    view = saved_view_get_for_user(request.auth, view_id, write=True)
    return services.saved_view_update(
        view, acting_user=request.auth, **payload.model_dump(exclude_unset=True)
    )


@router.delete("/saved-views/{view_id}", response={204: None, **WRITE_ERRORS})
def saved_view_remove(request: HttpRequest, view_id: int) -> Status[None]:
    view = saved_view_get_for_user(request.auth, view_id, write=True)
    services.saved_view_delete(view, acting_user=request.auth)
    return Status(204, None)
