"""My day: the signed-in user's open deals by stage, the activities due and the deals needing a
next step; a manager sees their team's too, or only their own (the "Mine / My team" toggle,
remembered in the session)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from salesflow.activities.selectors import activities_agenda
from salesflow.pages.selectors import activities_agenda_of_teams
from salesflow.pipeline.selectors import (
    deals_needing_next_step,
    deals_open_first_per_stage,
    deals_open_totals_by_stage,
)
from salesflow.users import policy

AGENDA_LIMIT = 50
DEALS_PER_STAGE = 5
NEXT_STEP_LIMIT = 20
MINE, TEAM = "mine", "team"
SESSION_SCOPE = "my_day_scope"


def stage_cards(user: Any, *, team_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """One card per stage holding the open deals of the user (and of `team_ids`): count, sums
    per currency, first deals."""
    cards: dict[int, dict[str, Any]] = {}
    for row in deals_open_totals_by_stage(user, owner=user, team_ids=team_ids):
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
    # A few per stage through the team's or the person's open-deals index
    # (`deals_open_first_per_stage`), not a window numbering all of them.
    first = deals_open_first_per_stage(
        user, owner=user, per_stage=DEALS_PER_STAGE, team_ids=team_ids, stage_ids=list(cards)
    )
    for deal in first:
        if deal.stage_id in cards:
            cards[deal.stage_id]["deals"].append(deal)
    return list(cards.values())


def agenda_links(*agendas: Any) -> list[list[Any]]:
    """The agenda's activities as lists, each with its page's and its "Done" link
    (`detail_url`, `complete_url`): reversed once, each pk put in its place."""
    marker = 987654321
    detail, complete = (
        reverse(name, args=[marker]).split(str(marker))
        for name in ("activities:activity-detail", "activities:activity-complete")
    )
    lists = []
    for agenda in agendas:
        activities = list(agenda)
        for activity in activities:
            activity.detail_url = f"{detail[0]}{activity.pk}{detail[1]}"
            activity.complete_url = f"{complete[0]}{activity.pk}{complete[1]}"
        lists.append(activities)
    return lists


def day_scope(request: HttpRequest) -> str:
    """Whose day a manager looks at: `?scope=mine|team`, else the last choice, else the team.
    Everyone else sees their own."""
    if not request.user.is_manager:
        return MINE
    given = request.GET.get("scope")
    if given in (MINE, TEAM):
        if request.session.get(SESSION_SCOPE) != given:
            request.session[SESSION_SCOPE] = given
        return given
    return request.session.get(SESSION_SCOPE, TEAM)


@login_required
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = day_scope(request)
    if scope == TEAM:
        team_ids = policy.managed_team_ids(user)
        agenda = activities_agenda_of_teams(user, team_ids=team_ids, limit=AGENDA_LIMIT)
    else:
        team_ids = None
        agenda = activities_agenda(user)
    stages = stage_cards(user, team_ids=team_ids)
    needing = deals_needing_next_step(
        user, owner=user, team_ids=team_ids, limit=NEXT_STEP_LIMIT + 1
    )
    needing_shown = list(needing[: NEXT_STEP_LIMIT + 1])
    overdue, today = agenda_links(agenda["overdue"][:AGENDA_LIMIT], agenda["today"][:AGENDA_LIMIT])
    own_teams = policy.team_ids_of(user) if scope == TEAM else []
    context = {
        "scope": scope,
        "can_choose_scope": user.is_manager,
        # The deal list behind the stage cards: the user's deals, or the manager's team (sub-teams
        # included) when they have one team; with several, every deal they may read.
        "list_owner": user.pk if scope == MINE else None,
        "list_team": own_teams[0] if len(own_teams) == 1 else None,
        "stages": stages,
        "open_count": sum(card["count"] for card in stages),
        "several_pipelines": len({card["pipeline"] for card in stages}) > 1,
        "overdue": overdue,
        "today": today,
        "day_url": reverse("pages:dashboard"),
        "plan_url": reverse("activities:activity-create"),
        "agenda_limit": AGENDA_LIMIT,
        "needing_next_step": needing_shown[:NEXT_STEP_LIMIT],
        "needing_more": len(needing_shown) > NEXT_STEP_LIMIT,
        "now": timezone.now(),
    }
    return render(request, "pages/dashboard.html", context)
