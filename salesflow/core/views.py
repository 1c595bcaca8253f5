"""My day, and the small helpers every app's pages share."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from salesflow.activities.selectors import activities_agenda
from salesflow.core.errors import DomainError
from salesflow.pipeline.models import Deal, Outcome
from salesflow.pipeline.selectors import deals_visible_to

PER_PAGE = 25
AGENDA_LIMIT = 50
DEALS_PER_STAGE = 5


def page_of(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its `results` partial for an htmx search or page change."""
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` field of a POST if it points into this site, else the default."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def error_text(error: ValidationError | DomainError) -> str:
    """A service's refusal as one sentence for a message, with what is missing if it says."""
    if not isinstance(error, DomainError):
        return " ".join(error.messages)
    missing = [item.get("message", "") for item in error.missing if item.get("message")]
    return f"{error.message} Missing: {'; '.join(missing)}." if missing else error.message


# TODO move to selectors (pipeline): the user's open deals per stage, counted and summed in SQL.
def deal_totals_by_stage(user: Any) -> QuerySet:
    return (
        deals_visible_to(user)
        .filter(owner=user, outcome=Outcome.OPEN)
        .values("stage_id", "stage__name", "stage__position", "pipeline__name", "currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("pipeline__name", "stage__position", "currency")
    )


# TODO move to selectors (pipeline): the first few open deals of each stage, closing soonest.
def deals_first_per_stage(user: Any, *, per_stage: int) -> QuerySet[Deal]:
    closing_first = [F("expected_close_on").asc(nulls_last=True), F("pk").asc()]
    return (
        deals_visible_to(user)
        .filter(owner=user, outcome=Outcome.OPEN)
        .select_related("account")
        .annotate(rank=Window(RowNumber(), partition_by=F("stage_id"), order_by=closing_first))
        .filter(rank__lte=per_stage)
        .order_by(*closing_first)
    )


def stage_cards(user: Any) -> list[dict[str, Any]]:
    """One card per stage holding the user's open deals: count, sums per currency, first deals."""
    cards: dict[int, dict[str, Any]] = {}
    for row in deal_totals_by_stage(user):
        card = cards.setdefault(
            row["stage_id"],
            {
                "stage_id": row["stage_id"],
                "name": row["stage__name"],
                "pipeline": row["pipeline__name"],
                "count": 0,
                "totals": [],
                "deals": [],
            },
        )
        card["count"] += row["count"]
        if row["total"] is not None:
            card["totals"].append((row["currency"], row["total"]))
    for deal in deals_first_per_stage(user, per_stage=DEALS_PER_STAGE):
        if deal.stage_id in cards:
            cards[deal.stage_id]["deals"].append(deal)
    return list(cards.values())


@login_required
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    agenda = activities_agenda(request.user)
    stages = stage_cards(request.user)
    context = {
        "stages": stages,
        "open_count": sum(card["count"] for card in stages),
        "several_pipelines": len({card["pipeline"] for card in stages}) > 1,
        "overdue": agenda["overdue"][:AGENDA_LIMIT],
        "today": agenda["today"][:AGENDA_LIMIT],
        "agenda_limit": AGENDA_LIMIT,
    }
    return render(request, "core/dashboard.html", context)
