from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salesflow.search.selectors import (
    KIND_LABELS,
    KINDS,
    MIN_QUERY_LENGTH,
    Group,
    hit_for,
    records_matching_count,
    records_matching_qs,
    search_grouped,
    search_terms,
)

DROPDOWN_PER_KIND = 5
PAGE_PER_KIND = 5
KIND_PAGE_SIZE = 50


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 1000))
    except ValueError:
        return 1


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The global search: every kind grouped (a few hits each, with counts), or one kind
    (`kind=`) paged. With `dropdown=1` from htmx, only the header box's drop-down."""
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    searchable = bool(search_terms(q))
    context: dict = {
        "q": q,
        "kind": kind,
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "searchable": searchable,
        "min_length": MIN_QUERY_LENGTH,
    }
    if request.htmx and request.GET.get("dropdown"):
        # No counts in the drop-down: it shows the top hits as you type, and a broad query's
        # counts are the costly part (the page has them).
        groups = (
            search_grouped(request.user, q, limit=DROPDOWN_PER_KIND, count=False)
            if searchable
            else []
        )
        context["groups"] = [g for g in groups if g.hits]
        context["total"] = sum(g.count for g in groups)
        return render(request, "search/search.html#dropdown", context)

    if kind:
        number = _page_number(request.GET.get("page"))
        start = (number - 1) * KIND_PAGE_SIZE
        rows = list(
            records_matching_qs(request.user, kind=kind, q=q)[start : start + KIND_PAGE_SIZE + 1]
        )
        group = Group(kind=kind, label=KIND_LABELS[kind])
        group.hits = [hit_for(kind, r) for r in rows[:KIND_PAGE_SIZE]]
        group.count = records_matching_count(request.user, kind=kind, q=q) if searchable else 0
        context.update(
            groups=[group],
            page_number=number,
            has_next=len(rows) > KIND_PAGE_SIZE,
            has_previous=number > 1,
        )
    else:
        context["groups"] = (
            search_grouped(request.user, q, limit=PAGE_PER_KIND) if searchable else []
        )
    context["total"] = sum(g.count for g in context["groups"])
    template = "search/search.html#results" if request.htmx else "search/search.html"
    return render(request, template, context)
