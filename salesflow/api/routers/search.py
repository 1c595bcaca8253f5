"""The global search: leads, contacts, accounts, deals and activities matching the words typed,
grouped by kind, among those the caller may read (salesflow/search/selectors.py)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from salesflow.api.schemas import READ_ERRORS
from salesflow.search.selectors import CANDIDATE_CAP, KINDS, MIN_QUERY_LENGTH, search_grouped

router = Router(tags=["search"])

KindIn = Literal[KINDS]  # type: ignore[valid-type]


class SearchQuery(Schema):
    q: str = Field(
        "",
        max_length=200,
        description=(
            "Words that start words of the record's name, email, phone, company (a contact's or "
            "deal's account) or external id; every word must match. A phone number in any "
            f"format matches by its digits. Fewer than {MIN_QUERY_LENGTH} characters find "
            "nothing."
        ),
    )
    kind: KindIn | None = Field(None, description="Only this kind of record.")
    limit: int = Field(5, ge=1, le=50, description="Hits per kind, best first.")


class SearchHitOut(Schema):
    kind: str
    id: int
    title: str
    detail: str = Field(description="What tells this record apart: its company, email, stage...")
    url: str = Field(description="The record's page.")


class SearchGroupOut(Schema):
    kind: str
    label: str
    count: int = Field(
        description=f"Matches you may read among the newest {CANDIDATE_CAP} matches of the kind."
    )
    count_capped: bool = Field(
        description=f"More than {CANDIDATE_CAP} records of the kind match: `count` is a lower "
        "bound; type more to narrow."
    )
    items: list[SearchHitOut]


class SearchOut(Schema):
    q: str
    groups: list[SearchGroupOut]


@router.get("/search", response={200: SearchOut, **READ_ERRORS})
def search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    """Records matching `q`, grouped by kind in a fixed order (leads, contacts, accounts,
    deals, activities), each group ranked: name starting with the query first, then a name word
    starting with the first word, then matches by email, phone, company or id; most recently
    changed first within each."""
    kinds = (query.kind,) if query.kind else KINDS
    groups = search_grouped(request.auth, query.q, kinds=kinds, limit=query.limit)
    return {
        "q": query.q,
        "groups": [
            {
                "kind": g.kind,
                "label": g.label,
                "count": g.count,
                "count_capped": g.capped,
                "items": g.hits,
            }
            for g in groups
        ],
    }
