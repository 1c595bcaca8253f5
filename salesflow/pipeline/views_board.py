"""The Kanban board of a pipeline: one column per stage, cards moved by drag and drop.

Every move goes through `services.deal_move`, so the board refuses what the deal page refuses
(exit criteria, lost reason, stale version) and lists every missing item next to the card.
Without JavaScript each card has a small Move form that posts to the same view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from salesflow.core.errors import DomainError
from salesflow.core.forms import with_blank
from salesflow.core.models import ClosedPeriod, SiteSettings
from salesflow.core.selectors import site_settings
from salesflow.core.views import error_text, next_url
from salesflow.pipeline import services
from salesflow.pipeline.forms import ClosedDealsForm
from salesflow.pipeline.models import Deal, LostReason, Pipeline, Stage, StageKind
from salesflow.pipeline.selectors import (
    BOARD_CLOSED_CHOICES,
    BOARD_CLOSED_PERIOD,
    NEXT_STEP_NONE,
    NEXT_STEP_OVERDUE,
    ColumnAmount,
    ColumnTotals,
    DealWarning,
    board_cards,
    board_closed_range,
    board_column_page,
    board_column_totals,
    board_deals,
    deal_get_for_user,
    deal_next_step_state,
    deals_warnings,
    stages_active,
)
from salesflow.pipeline.templatetags.board_amounts import money_whole
from salesflow.users import policy
from salesflow.users.models import Team

PER_COLUMN = 20


# Shapes the templates read -------------------------------------------------------------------


@dataclass
class BoardCard:
    """One card and what it shows, prepared here once: drawing 160 cards is then output of
    ready strings (no per-card url reversing, number or date formatting, include, or loop over
    the stages in the template: 70 % of the board's time went there)."""

    deal: Deal
    days_in_stage: int
    warnings: list[DealWarning]
    can_move: bool
    next_stage_id: int | None  # what the card's Move form offers first
    can_override: bool = False  # the Move form asks for an override reason (managers, admins)
    # The card's text and links, as the template prints them.
    pk: str = ""
    stage_id: str = ""
    version: str = ""
    name: str = ""
    url: str = ""
    move_url: str = ""
    account: str = ""
    amount: str = ""
    owner: str = ""
    outcome: str = ""  # "" for an open deal
    outcome_label: str = ""
    closed_iso: str = ""
    closed_day: str = ""
    age: str = ""
    next_step: str = ""  # "none" or "overdue": the badge an open deal shows; "" for none
    next_step_due: str = ""
    is_rotting: bool = False
    rotting_title: str = ""
    other_warnings: list[tuple[str, str, str]] = field(default_factory=list)  # code, title, text
    move_options: str = ""  # the Move form's <option>s (safe HTML)


@dataclass
class BoardColumn:
    stage: Stage
    totals: ColumnTotals
    cards: list[BoardCard]
    has_more: bool
    next_offset: int


def board_cards_of(
    user: Any, deals: list[Deal], *, stages: list[Stage], now: dt.datetime
) -> list[BoardCard]:
    """Cards for deals with their stage loaded; the warnings take three queries in all."""
    warnings = deals_warnings(deals, now=now)
    deal_url, move_url = _url_maker("pipeline:deal-detail"), _url_maker("board:move")
    can_override = bool(user.is_admin or user.is_manager)
    options: dict[tuple[int, int | None], str] = {}  # per (stage, next stage): same options
    # Whether the user may move a deal depends on its owner, team and sharing alone: asked
    # once per such triple, not once per card.
    writable: dict[tuple[int | None, int | None, str], bool] = {}
    cards = []
    for deal in deals:
        next_stage_id = _next_stage_id(deal, stages)
        key = (deal.stage_id, next_stage_id)
        if key not in options:
            options[key] = _move_options(deal.stage_id, next_stage_id, stages)
        access = (deal.owner_id, deal.team_id, deal.visibility)
        if access not in writable:
            writable[access] = policy.can_write(user, deal)
        cards.append(
            _card(
                deal,
                warnings=warnings[deal.pk],
                can_move=writable[access],
                can_override=can_override,
                next_stage_id=next_stage_id,
                url=deal_url(deal.pk),
                move_url=move_url(deal.pk),
                move_options=options[key],
                now=now,
            )
        )
    return cards


def _card(deal: Deal, *, warnings: list[DealWarning], now: dt.datetime, **given: Any) -> BoardCard:
    stage = deal.stage
    days = max((now - deal.stage_entered_at).days, 0)
    card = BoardCard(
        deal=deal,
        days_in_stage=days,
        warnings=warnings,
        pk=str(deal.pk),
        stage_id=str(deal.stage_id),
        version=str(deal.version),
        name=deal.name,
        account=(deal.account.name if deal.account else "") or "No account yet",
        amount=money_whole(deal.amount, deal.currency),
        owner=str(deal.owner) if deal.owner else "Nobody",
        age=f"{days} day{'' if days == 1 else 's'} in stage",
        **given,
    )
    if deal.is_closed:
        card.outcome, card.outcome_label = deal.outcome, deal.get_outcome_display()
        if deal.closed_at:
            closed = timezone.localtime(deal.closed_at)
            card.closed_iso, card.closed_day = closed.isoformat(), date_format(closed, "j M")
    else:
        card.next_step = {NEXT_STEP_NONE: "none", NEXT_STEP_OVERDUE: "overdue"}.get(
            deal_next_step_state(deal, now=now) or "", ""
        )
        if card.next_step == "overdue" and deal.next_activity_at:
            due = timezone.localtime(deal.next_activity_at)
            card.next_step_due = date_format(due, "j M Y, H:i")
    for warning in warnings:
        if warning.code == "rotting":
            card.is_rotting = True
            card.rotting_title = f"Idle longer than {stage.rotting_days} days in {stage.name}"
        else:
            text = "No decision maker" if warning.code == "no_decision_maker" else warning.message
            card.other_warnings.append((warning.code, warning.message, text))
    return card


def _url_maker(name: str) -> Any:
    """`reverse(name, args=[pk])` for many pks: reversed once, each pk put in its place."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _move_options(stage_id: int, next_stage_id: int | None, stages: list[Stage]) -> str:
    """The stages a card's Move form offers (every other one but Lost: losing needs a reason,
    given on the deal page), the next one chosen."""
    return format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        (
            (stage.pk, " selected" if stage.pk == next_stage_id else "", stage.name)
            for stage in stages
            if stage.pk != stage_id and stage.kind != StageKind.LOST
        ),
    )


def _next_stage_id(deal: Deal, stages: list[Stage]) -> int | None:
    """The next stage forward; for a closed deal, the last open stage (moving reopens it)."""
    opened = [stage for stage in stages if stage.kind == StageKind.OPEN]
    if deal.stage.kind != StageKind.OPEN:
        return opened[-1].pk if opened else None
    later = [s for s in stages if s.position > deal.stage.position and s.kind != StageKind.LOST]
    return later[0].pk if later else None


def _query_of(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the board's query string names them (`owner`, `team`, `closed`, ...)."""
    return {
        name.removesuffix("_id"): value.isoformat() if isinstance(value, dt.date) else value
        for name, value in filters.items()
        if value
    }


def board_url(pipeline: Pipeline, filters: dict[str, Any]) -> str:
    """The board with these filters: where the no-JS Move form comes back to."""
    query = {"pipeline": pipeline.pk} | _query_of(filters)
    return f"{reverse('board:board')}?{urlencode(query)}"


def filter_query(filters: dict[str, Any]) -> str:
    """`&owner=..&team=..&closed=..` for the "load more" links."""
    query = _query_of(filters)
    return f"&{urlencode(query)}" if query else ""


def board_columns(
    user: Any,
    deals: QuerySet[Deal],
    stages: list[Stage],
    *,
    now: dt.datetime,
    closed: dict[str, dt.date | None] | None = None,
) -> list[BoardColumn]:
    """Every column with its header figures and first cards, in a fixed number of queries.
    `closed`: the close days the `deals` were chosen by (`closed_range`)."""
    totals = board_column_totals(deals, stages, now=now, **(closed or {}))
    first = board_cards(deals, per_column=PER_COLUMN, stage_ids=[stage.pk for stage in stages])
    shown = [deal for stage in stages for deal in first.get(stage.pk, [])[:PER_COLUMN]]
    cards: dict[int, list[BoardCard]] = {}
    for card in board_cards_of(user, shown, stages=stages, now=now):
        cards.setdefault(card.deal.stage_id, []).append(card)
    return [
        BoardColumn(
            stage=stage,
            totals=totals[stage.pk],
            cards=cards.get(stage.pk, []),
            has_more=len(first.get(stage.pk, [])) > PER_COLUMN,
            next_offset=PER_COLUMN,
        )
        for stage in stages
    ]


@dataclass
class BoardSummary:
    """The open deals of the board: how many, their amount and weighted amount per currency."""

    count: int
    amounts: list[ColumnAmount]


def board_summary(stages: list[Stage], totals: dict[int, ColumnTotals]) -> BoardSummary:
    count, amounts = 0, {}
    for stage in stages:
        if stage.kind != StageKind.OPEN:
            continue
        count += totals[stage.pk].count
        for amount in totals[stage.pk].amounts:
            into = amounts.setdefault(
                amount.currency, ColumnAmount(amount.currency, Decimal(0), Decimal(0))
            )
            into.total += amount.total
            into.weighted += amount.weighted
    return BoardSummary(count, sorted(amounts.values(), key=lambda amount: amount.currency))


# Forms ----------------------------------------------------------------------------------------


SESSION_CLOSED = "board_closed"  # the user's last closed-deals choice
DAY = "j M Y"


def closed_choice(
    request: HttpRequest, data: Any, *, default: str | None = None
) -> ClosedDealsForm:
    """The board's closed-deals choice, a valid form: the one `data` (a query or a move's POST)
    gives, else the one the user made last (in the session), else `default` or the site's.
    A choice given with errors is kept as the answer's `refused`, for the board to show."""
    given = {name: data.get(name) for name in ClosedDealsForm.base_fields if name in data}
    form = ClosedDealsForm(given)
    if given.get("closed") and form.is_valid():
        return form
    remembered = request.session.get(SESSION_CLOSED) or {}
    if not remembered.get("closed"):
        remembered = {"closed": default or site_settings().board_closed_period}
    answer = ClosedDealsForm(remembered)
    if not answer.is_valid():  # a choice the site no longer offers
        answer = ClosedDealsForm({"closed": ClosedPeriod.MONTH})
        answer.is_valid()
    answer.refused = form if given.get("closed") else None
    return answer


def closed_range(form: ClosedDealsForm) -> dict[str, dt.date | None]:
    """The close days the board shows for a valid `closed_choice` form."""
    chosen = form.closed_filters()
    start, end = board_closed_range(
        chosen["closed"] or ClosedPeriod.MONTH,
        today=timezone.localdate(),
        start=chosen["closed_from"],
        end=chosen["closed_to"],
    )
    return {"closed_from": start, "closed_to": end}


def closed_label(form: ClosedDealsForm) -> str:
    """What the Won and Lost column headers say they show."""
    chosen = form.closed_filters()
    if chosen["closed"] != BOARD_CLOSED_PERIOD:
        return dict(BOARD_CLOSED_CHOICES).get(chosen["closed"], "")
    start, end = chosen["closed_from"], chosen["closed_to"]
    if start and end:
        return f"Closed {date_format(start, DAY)} to {date_format(end, DAY)}"
    return (
        f"Closed from {date_format(start, DAY)}"
        if start
        else f"Closed until {date_format(end, DAY)}"
    )


class BoardFilterForm(forms.Form):
    """Which pipeline, and optionally whose deals or which team's. Always bound to the query."""

    pipeline = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, data: Any, *, user: Any, pipelines: list[Pipeline]) -> None:
        super().__init__(data, label_suffix="")
        self.pipelines = {pipeline.pk: pipeline for pipeline in pipelines}
        self.fields["pipeline"].choices = [(p.pk, p.name) for p in pipelines]
        people = policy.users_visible_to(user).order_by("first_name", "last_name", "username")
        self.fields["owner"].choices = with_blank([(u.pk, str(u)) for u in people], "Anyone")
        teams = Team.objects.all()
        if not user.is_admin:
            teams = teams.filter(pk__in=policy.managed_team_ids(user))
        self.fields["team"].choices = with_blank([(t.pk, t.name) for t in teams], "Any team")

    def values(self) -> dict[str, Any]:
        """The chosen pipeline (the default one when none or a wrong one is given) and filters;
        an invalid filter is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        first = next(iter(self.pipelines.values()))
        return {
            "pipeline": self.pipelines.get(data.get("pipeline"), first),
            "owner_id": data.get("owner"),
            "team_id": data.get("team"),
        }


class BoardMoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label="Move to")
    override_reason = forms.CharField(required=False, max_length=1000, label="Override reason")
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True), required=False, label="Lost reason"
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, deal: Deal) -> None:
        super().__init__(data)
        self.fields["stage"].queryset = stages_active(deal.pipeline)


def _filter_ids(data: Any) -> dict[str, int | None]:
    """Owner and team filters of the board a request comes from (they only narrow what the
    user may see, so a wrong value just shows fewer deals)."""

    def number(name: str) -> int | None:
        value = str(data.get(name) or "")
        return int(value) if value.isdigit() else None

    return {"owner_id": number("owner"), "team_id": number("team")}


def _board_filters(request: HttpRequest, data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """For "load more" and moves: the filters of the board they come from (for the links and
    the board's address) and the `board_deals` arguments they make."""
    ids = _filter_ids(data)
    closed = closed_choice(request, data)
    return ids | closed.closed_filters(), ids | closed_range(closed)


def _days(chosen: dict[str, Any]) -> dict[str, Any]:
    """The close days among `_board_filters`' arguments, for `board_column_totals`."""
    return {name: chosen.get(name) for name in ("closed_from", "closed_to")}


def _partial(request: HttpRequest, template: str, name: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{name}"
    return template


# Views ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def board(request: HttpRequest) -> HttpResponse:
    """The board of one pipeline; an htmx request (filters changed) gets the board region only.

    Queries stay constant whatever the number of deals (13 for a rep, see the tests): the filter
    choices (pipelines, teams, people), the stages, TWO aggregates for every column header (open
    deals, closed ones), ONE query for the first PER_COLUMN cards of every column (a few rows
    per stage, `board_cards`), and three for the warnings.
    """
    # The site's default for the closed deals rides along the pipelines' query, so the board
    # takes no extra query for it.
    site_default = SiteSettings.objects.filter(pk=1).values("board_closed_period")[:1]
    pipelines = list(
        Pipeline.objects.filter(is_active=True).annotate(site_closed=Subquery(site_default))
    )
    if not pipelines:
        return render(request, "pipeline/board.html", {"pipeline": None})
    form = BoardFilterForm(request.GET, user=request.user, pipelines=pipelines)
    site_closed = pipelines[0].site_closed or ClosedPeriod.MONTH  # no row yet: the default
    closed = closed_choice(request, request.GET, default=site_closed)
    if request.GET.get("closed") and closed.refused is None:
        request.session[SESSION_CLOSED] = {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in closed.closed_filters().items()
        }
    chosen = form.values()
    pipeline = chosen.pop("pipeline")
    stages = list(stages_active(pipeline))
    now = timezone.now()
    days = closed_range(closed)
    deals = board_deals(request.user, pipeline=pipeline, **chosen, **days)
    columns = board_columns(request.user, deals, stages, now=now, closed=days)
    filters = chosen | closed.closed_filters()
    context = {
        "form": form,
        "closed_form": closed.refused or closed,
        "closed_label": closed_label(closed),
        "pipeline": pipeline,
        "stages": stages,
        "columns": columns,
        "summary": board_summary(stages, {column.stage.pk: column.totals for column in columns}),
        "filters": filters,
        "filter_query": filter_query(filters),
        "board_url": board_url(pipeline, filters),
    }
    return render(request, _partial(request, "pipeline/board.html", "board"), context)


@login_required
@require_http_methods(["GET"])
def board_column(request: HttpRequest) -> HttpResponse:
    """More cards of one column (`stage`, from `offset`): appended by htmx, or a page alone."""
    stage_id = str(request.GET.get("stage") or "")
    if not stage_id.isdigit():
        return redirect("board:board")
    stage = get_object_or_404(Stage.objects.active().select_related("pipeline"), pk=stage_id)
    given = str(request.GET.get("offset") or "")
    offset = int(given) if given.isdigit() else 0
    filters, chosen = _board_filters(request, request.GET)
    now = timezone.now()
    deals = board_deals(request.user, pipeline=stage.pipeline, **chosen)
    page = board_column_page(deals, stage=stage, offset=offset, limit=PER_COLUMN)
    stages = list(stages_active(stage.pipeline))
    column = BoardColumn(
        stage=stage,
        totals=board_column_totals(deals, [stage], now=now, **_days(chosen))[stage.pk],
        cards=board_cards_of(request.user, page[:PER_COLUMN], stages=stages, now=now),
        has_more=len(page) > PER_COLUMN,
        next_offset=offset + PER_COLUMN,
    )
    context = {
        "pipeline": stage.pipeline,
        "stages": stages,
        "columns": [column],
        "column": column,
        "filters": filters,
        "closed_label": closed_label(closed_choice(request, request.GET)),
        "filter_query": filter_query(filters),
        "board_url": board_url(stage.pipeline, filters),
        "offset": offset,
        "single_column": True,
    }
    return render(request, _partial(request, "pipeline/board.html", "more-cards"), context)


@login_required
@require_http_methods(["POST"])
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to `stage` (a drop, or the card's Move form) through `deal_move`.

    htmx gets the card back: on success in its new stage with both column headers (out of
    band); on refusal in its old stage, listing every missing item, with an override
    field for managers and admins. Without JavaScript: a message and back to the board.
    """
    deal = deal_get_for_user(request.user, pk, write=True)
    form = BoardMoveForm(request.POST, deal=deal)
    if not form.is_valid():
        error = ValidationError(
            [
                f"{form.fields[name].label}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ]
        )
        return _move_refused(request, deal, None, error)
    data = form.cleaned_data
    from_stage = deal.stage
    try:
        services.deal_move(
            deal,
            to_stage=data["stage"],
            override_reason=data["override_reason"],
            lost_reason=data["lost_reason"],
            expected_version=data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        return _move_refused(request, deal, data["stage"], error)
    text = f"Moved “{deal.name}” to {deal.stage.name}."
    if not request.htmx:
        messages.success(request, text)
        return redirect(next_url(request, reverse("board:board")))
    now = timezone.now()
    _, chosen = _board_filters(request, request.POST)
    deals = board_deals(request.user, pipeline=deal.pipeline, **chosen)
    stages = list(stages_active(deal.pipeline))
    totals = board_column_totals(deals, stages, now=now, **_days(chosen))
    shown = str(request.POST.get("shown") or "").split(",")  # the columns on the page
    columns = [
        BoardColumn(stage, totals[stage.pk], [], False, 0)
        for stage in (from_stage, deal.stage)
        if "shown" not in request.POST or str(stage.pk) in shown
    ]
    return _move_answer(
        request,
        deal,
        now=now,
        stages=stages,
        changed_columns=columns,
        summary=board_summary(stages, totals),
        message=text,
    )


def _move_refused(
    request: HttpRequest,
    deal: Deal,
    to_stage: Stage | None,
    error: ValidationError | DomainError,
) -> HttpResponse:
    """Say why, next to the card: htmx gets the card (200, like a form shown again with its
    errors) in its old column with every missing item; without JavaScript, a message."""
    if not request.htmx:
        messages.error(request, f"“{deal.name}” was not moved. {error_text(error)}")
        return redirect(next_url(request, reverse("board:board")))
    # Read again: the refused move saved nothing, but the service may have set attributes.
    deal = deal_get_for_user(request.user, deal.pk)
    is_domain = isinstance(error, DomainError)
    needs_lost_reason = "lost_reason" in getattr(error, "error_dict", {})
    refusal = {
        "stage": to_stage,
        "message": error.message if is_domain else " ".join(error.messages),
        "missing": error.missing if is_domain else [],
        "several_stages": is_domain and len({m.get("stage") for m in error.missing}) > 1,
        "can_override": bool(
            is_domain and error.missing and (request.user.is_admin or request.user.is_manager)
        ),
        "needs_lost_reason": needs_lost_reason,
        "lost_reasons": LostReason.objects.filter(is_active=True) if needs_lost_reason else [],
    }
    message = f"“{deal.name}” was not moved: see the card."
    stages = list(stages_active(deal.pipeline))
    return _move_answer(
        request,
        deal,
        now=timezone.now(),
        stages=stages,
        refusal=refusal,
        message=message,
    )


def _move_answer(
    request: HttpRequest,
    deal: Deal,
    *,
    now: dt.datetime,
    stages: list[Stage],
    message: str,
    refusal: dict[str, Any] | None = None,
    changed_columns: list[BoardColumn] | None = None,
    summary: BoardSummary | None = None,
) -> HttpResponse:
    """The card (in its stage now), the changed column headers and a status line, for htmx."""
    context = {
        "card": board_cards_of(request.user, [deal], stages=stages, now=now)[0],
        "stages": stages,
        "refusal": refusal,
        "changed_columns": changed_columns or [],
        "summary": summary,
        "board_url": next_url(request, reverse("board:board")),
        "closed_label": closed_label(closed_choice(request, request.POST)),
        "message": message,
        "message_level": "error" if refusal else "success",
    }
    return render(request, "pipeline/board.html#move-result", context)
