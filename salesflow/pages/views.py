"""My day: the signed-in user's open deals by stage and the activities due."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from salesflow.activities.selectors import activities_agenda
from salesflow.pipeline.selectors import deals_open_first_per_stage, deals_open_totals_by_stage

AGENDA_LIMIT = 50
DEALS_PER_STAGE = 5


def stage_cards(user: Any) -> list[dict[str, Any]]:
    """One card per stage holding the user's open deals: count, sums per currency, first deals."""
    cards: dict[int, dict[str, Any]] = {}
    for row in deals_open_totals_by_stage(user, owner=user):
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
    for deal in deals_open_first_per_stage(user, owner=user, per_stage=DEALS_PER_STAGE):
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
    return render(request, "pages/dashboard.html", context)
