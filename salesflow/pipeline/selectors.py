from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.core.models import ClosedPeriod
from salesflow.core.panels import page_memo
from salesflow.customers.selectors import records_of_accounts_named_q
from salesflow.customfields.selectors import custom_filter_q
from salesflow.leads.selectors import moment_on_days_q
from salesflow.pipeline.criteria import deal_move_blockers as deal_move_blockers
from salesflow.pipeline.criteria import deal_pipeline_stages, deal_stage_requirements
from salesflow.pipeline.models import (
    WON_OUTCOMES,
    Competitor,
    Deal,
    DealCompetitor,
    DealStakeholder,
    Outcome,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
    StageRequirement,
    StakeholderRole,
)
from salesflow.users import policy
from salesflow.users.selectors import team_tree_ids


def deals_visible_to(user: Any) -> QuerySet[Deal]:
    return Deal.objects.filter(policy.readable_q(user))


# A deal's next step (its activities, counted on the deal by the activities app): none planned,
# one overdue, or one planned. Closed deals need none and have no state.
NEXT_STEP_NONE, NEXT_STEP_OVERDUE, NEXT_STEP_PLANNED = "none", "overdue", "planned"
NEXT_STEP_CHOICES = [
    (NEXT_STEP_NONE, "None planned"),
    (NEXT_STEP_OVERDUE, "Overdue"),
    (NEXT_STEP_PLANNED, "Planned"),
]


def deals_next_step_q(state: str, *, now: dt.datetime | None = None) -> Q:
    """Open deals whose next step is in `state` (none, overdue or planned)."""
    now = now or timezone.now()
    is_open = Q(outcome=Outcome.OPEN)
    if state == NEXT_STEP_NONE:
        return is_open & Q(open_activity_count=0)
    if state == NEXT_STEP_OVERDUE:
        return is_open & Q(open_activity_count__gt=0, next_activity_at__lt=now)
    if state == NEXT_STEP_PLANNED:
        return (
            is_open
            & Q(open_activity_count__gt=0)
            & (Q(next_activity_at__isnull=True) | Q(next_activity_at__gte=now))
        )
    raise ValueError(f"Unknown next-step state {state!r}.")


def deals_needing_next_step_q(*, now: dt.datetime | None = None) -> Q:
    """Open deals with no next step or an overdue one: the ones the board and My day flag."""
    return deals_next_step_q(NEXT_STEP_NONE, now=now) | deals_next_step_q(
        NEXT_STEP_OVERDUE, now=now
    )


def deals_annotate_next_step(deals: QuerySet[Deal], *, now: dt.datetime | None = None) -> Any:
    """Adds `next_step_state` in SQL (none, overdue, planned; null for closed deals), for a
    list column or an export."""
    now = now or timezone.now()
    return deals.annotate(
        next_step_state=Case(
            *(
                When(deals_next_step_q(state, now=now), then=Value(state))
                for state in (NEXT_STEP_NONE, NEXT_STEP_OVERDUE, NEXT_STEP_PLANNED)
            ),
            default=Value(None),
            output_field=CharField(),
        )
    )


def deal_next_step_state(deal: Deal, *, now: dt.datetime | None = None) -> str | None:
    """The state of one deal's next step from its columns (no query); None when closed."""
    if deal.outcome != Outcome.OPEN:
        return None
    if not deal.open_activity_count:
        return NEXT_STEP_NONE
    if deal.next_activity_at is not None and deal.next_activity_at < (now or timezone.now()):
        return NEXT_STEP_OVERDUE
    return NEXT_STEP_PLANNED


def deals_closed_on_q(*, start: dt.date | None = None, end: dt.date | None = None) -> Q:
    """Deals closed on a day from `start` to `end` (both included, either open). The day is
    `closed_on` (the day the customer decided, which every close fills); deals closed before
    that column existed have only `closed_at`, whose day in the site's time zone counts then.
    Open deals have no close day and never match."""
    on = Q(closed_on__isnull=False)
    if start is not None:
        on &= Q(closed_on__gte=start)
    if end is not None:
        on &= Q(closed_on__lte=end)
    at = Q(closed_on__isnull=True, closed_at__isnull=False)
    return on | (at & moment_on_days_q("closed_at", start=start, end=end))


def deals_filtered(
    user: Any,
    *,
    q: str = "",
    custom: Mapping[str, Any] | None = None,
    team: Any = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    closed_from: dt.date | None = None,
    closed_to: dt.date | None = None,
    industry: str = "",
    next_step: str = "",
    **filters: Any,
) -> QuerySet[Deal]:
    """The deal list: visible deals matching the search box (deal or account name) and the
    list's filters: field lookups such as `stage`, `owner`, `outcome`; `team` (a team or its
    id, its sub-teams included); the days the deal was created and closed
    (`deals_closed_on_q`); the account's industry, ignoring case; the state of the next step
    (`deals_next_step_q`: open deals only). Filters only narrow what the user may read."""
    deals = deals_visible_to(user).select_related("account", "stage", "owner")
    if q:
        deals = deals.filter(Q(name__icontains=q) | records_of_accounts_named_q(q))
    if custom:
        deals = deals.filter(custom_filter_q("deal", custom))
    if team is not None:
        deals = deals.filter(team_id__in=team_tree_ids(getattr(team, "pk", team)))
    if created_from or created_to:
        deals = deals.filter(moment_on_days_q("created_at", start=created_from, end=created_to))
    if closed_from or closed_to:
        deals = deals.filter(deals_closed_on_q(start=closed_from, end=closed_to))
    if industry.strip():
        deals = deals.filter(account__industry__iexact=industry.strip())
    if next_step:
        deals = deals.filter(deals_next_step_q(next_step))
    return deals.filter(**filters)


def deals_needing_next_step(
    user: Any,
    *,
    owner: Any,
    team_ids: list[int] | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> QuerySet[Deal]:
    """Open deals of `owner` (and of the teams `team_ids`) that `user` may see with no next
    step or an overdue one; those without any first, then the longest overdue. With `limit`
    (My day), the first `limit` of the owner's and of the teams' are read apart
    (`first_of_each`, each through its index in this order) and only those are sorted."""
    order = [F("next_activity_at").asc(nulls_first=True), F("pk").asc()]
    needing = deals_visible_to(user).filter(deals_needing_next_step_q(now=now))
    if limit is not None and team_ids:
        parts = [Q(owner=owner), Q(team_id__in=team_ids)]
        needing = Deal.objects.filter(
            pk__in=first_of_each(needing, parts, order=order, limit=limit)
        )
    else:
        needing = needing.filter(_mine_or_teams(owner, team_ids))
    return needing.select_related("account", "owner", "stage").order_by(*order)


def _mine_or_teams(owner: Any, team_ids: list[int] | None) -> Q:
    """Owned by `owner`, or (with `team_ids`) also belonging to one of those teams."""
    q = Q(owner=owner)
    if team_ids:
        q |= Q(team_id__in=team_ids)
    return q


def deals_open_totals_by_stage(
    user: Any, *, owner: Any, team_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Open deals of `owner` (and of the teams `team_ids`, for a manager's team view) that
    `user` may see, counted and summed per stage and currency.

    With `team_ids`, the owner's deals and the teams' other deals are counted apart and added
    up here: each part reads its own index alone (`deal_owner_open_idx`, `deal_team_open_idx`
    hold every column it needs), where an OR of the two read all the teams' deals' rows."""
    if not team_ids:
        parts = [Q(owner=owner)]
    else:
        parts = [Q(owner=owner), Q(team_id__in=team_ids) & ~Q(owner=owner)]
    grouped = [
        deals_visible_to(user)
        .filter(part, outcome=Outcome.OPEN)
        .values("stage_id", "stage__name", "stage__position", "pipeline__name", "currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by()
        for part in parts
    ]
    merged: dict[tuple, dict[str, Any]] = {}
    for row in grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]:
        key = (row["pipeline__name"], row["stage__position"], row["stage_id"], row["currency"])
        into = merged.setdefault(key, {**row, "count": 0, "total": None})
        into["count"] += row["count"]
        if row["total"] is not None:
            into["total"] = (into["total"] or 0) + row["total"]
    return [merged[key] for key in sorted(merged)]


def deals_open_first_per_stage(
    user: Any,
    *,
    owner: Any,
    per_stage: int,
    team_ids: list[int] | None = None,
    stage_ids: list[int] | None = None,
) -> QuerySet[Deal]:
    """The first `per_stage` open deals of `owner` (and of the teams `team_ids`) in each stage,
    closing soonest first. Given the `stage_ids` that hold such deals (My day has them from
    `deals_open_totals_by_stage`), a few rows per stage are read (`first_per_stage`) instead of
    numbering all of them (a manager's team: 7,500 open deals at scale 1)."""
    closing_first = [F("expected_close_on").asc(nulls_last=True), F("pk").asc()]
    deals = deals_visible_to(user).filter(_mine_or_teams(owner, team_ids), outcome=Outcome.OPEN)
    if stage_ids is not None:
        if not stage_ids:
            return Deal.objects.none()
        if not team_ids:
            chosen = first_per_stage(deals, stage_ids, order=closing_first, limit=per_stage)
            return (
                Deal.objects.filter(pk__in=chosen)
                .select_related("account", "owner")
                .order_by(*closing_first)
            )
        # A team: per stage, the owner's first ones and the teams' first ones apart (each
        # through its own open-deals index, no OR), then the first `per_stage` of both.
        whose = [Q(owner=owner), Q(team_id__in=team_ids)]
        parts = [Q(stage_id=stage_id) & part for stage_id in stage_ids for part in whose]
        chosen = first_of_each(
            deals_visible_to(user).filter(outcome=Outcome.OPEN),
            parts,
            order=closing_first,
            limit=per_stage,
        )
        read = Deal.objects.filter(pk__in=chosen).select_related("account", "owner")
        taken: dict[int, int] = {}
        first = []
        for deal in read.order_by(*closing_first):
            taken[deal.stage_id] = taken.get(deal.stage_id, 0) + 1
            if taken[deal.stage_id] <= per_stage:
                first.append(deal)
        return first  # type: ignore[return-value]
    return (
        deals.select_related("account", "owner")
        .annotate(rank=Window(RowNumber(), partition_by=F("stage_id"), order_by=closing_first))
        .filter(rank__lte=per_stage)
        .order_by(*closing_first)
    )


def stage_changes_of(deal: Deal) -> QuerySet[StageChange]:
    """A deal's moves, oldest first, with the people and stages they name."""
    return deal.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by(
        "changed_at", "pk"
    )


def stage_changes_dated(changes: QuerySet[StageChange] | None = None) -> QuerySet[StageChange]:
    """Stage changes whose moment is known, for reports that measure time (days in stage,
    cycle length): imports store moments no column gave as `is_estimated`, which would
    otherwise count as real durations. Pass a queryset to narrow it, e.g. of visible deals."""
    changes = StageChange.objects.all() if changes is None else changes
    return changes.filter(is_estimated=False)


def deal_stage_progress(deal: Deal) -> list[tuple[Stage, str]]:
    """The steps the deal page's progress bar shows, each `done`, `current` or `todo`: active
    open stages, then Won, or the terminal stage reached. Removed (archived) stages are left
    out unless the deal still sits in one."""
    stages = [
        stage
        for stage in deal_pipeline_stages(deal)
        if stage.archived_at is None or stage.pk == deal.stage_id
    ]
    steps = []
    for stage in stages:
        if stage.kind != StageKind.OPEN and not (
            stage.pk == deal.stage_id or (stage.kind == StageKind.WON and not deal.is_closed)
        ):
            continue
        if stage.pk == deal.stage_id:
            state = "current"
        elif stage.position < deal.stage.position and stage.kind == StageKind.OPEN:
            state = "done" if deal.stage.kind != StageKind.LOST else "todo"
        else:
            state = "todo"
        steps.append((stage, state))
    return steps


def deal_get_for_user(
    user: Any, pk: int, *, write: bool = False, annotate: dict[str, Any] | None = None
) -> Deal:
    """The deal if the user may read it (404 otherwise; 403 for `write` if they may not change
    it); `annotate` adds expressions to the read (the deal page's, `deal_panels.annotations()`)."""
    deals = deals_visible_to(user).select_related(
        "account", "primary_contact", "owner", "team", "pipeline", "stage", "lost_reason"
    )
    deal = get_object_or_404(deals.annotate(**annotate) if annotate else deals, pk=pk)
    if write and not policy.can_write(user, deal):
        raise AccessDenied("You may see this deal but not change it.")
    return deal


def pipelines_with_stages() -> QuerySet[Pipeline]:
    """Pipelines are configuration, readable by every signed-in user. Removed stages left out."""
    return Pipeline.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.active().order_by("position"))
    )


def pipeline_default() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is None:
        raise Pipeline.DoesNotExist("No pipeline is configured.")
    return pipeline


def stages_active(pipeline: Pipeline) -> QuerySet[Stage]:
    """The pipeline's stages in order, without removed (archived) ones: for boards and forms."""
    return pipeline.stages.active().order_by("position")


def stage_first_open(pipeline: Pipeline) -> Stage:
    stages = stages_active(pipeline)
    return stages.filter(kind="open").first() or stages.first()


def stage_of_kind(pipeline: Pipeline, kind: str) -> Stage | None:
    return stages_active(pipeline).filter(kind=kind).first()


def stage_resolve(pipeline: Pipeline, value: int | str) -> Stage | None:
    """A stage of the pipeline given by id or (case-insensitive) name."""
    stages = pipeline.stages.active()
    # ASCII digits only: "³" is a digit to str.isdigit() but not to int() (the fuzz found it).
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int):
        # An id no database column holds is no stage (SQLite cannot even compare it).
        return stages.filter(pk=value).first() if 0 < value < 2**63 else None
    return stages.filter(name__iexact=str(value).strip()).first()


def stage_requirements_of(stage: Stage) -> QuerySet[StageRequirement]:
    return stage.requirements.order_by("position", "pk")


def stakeholders_of(deal: Deal) -> QuerySet[DealStakeholder]:
    return deal.stakeholders.select_related("contact", "contact__account").order_by("role", "pk")


def deal_competitors_of(deal: Deal) -> QuerySet[DealCompetitor]:
    return deal.competitors.select_related("competitor").order_by("competitor__name")


def competitors_active() -> QuerySet[Competitor]:
    return Competitor.objects.filter(is_active=True).order_by("name")


def deals_annotate_decision_maker(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Adds `has_decision_maker` in SQL, e.g. for a board column or a filter."""
    stakeholders = DealStakeholder.objects.filter(
        deal=OuterRef("pk"), role=StakeholderRole.DECISION_MAKER
    )
    return deals.annotate(has_decision_maker=Exists(stakeholders))


@dataclass(frozen=True)
class DealWarning:
    code: str
    message: str


def deals_warnings(
    deals: list[Deal], *, now: dt.datetime | None = None
) -> dict[int, list[DealWarning]]:
    """Warnings for many deals (a board) in three queries, whatever their number.

    - `no_decision_maker`: the deal is in or past the first stage whose exit needs a decision
      maker (Presentation / demo, Proposal ... in the default process), or a demo is planned,
      and no stakeholder has the decision-maker role;
    - `rotting`: the deal has been idle in its stage longer than the stage's rotting days.

    Deals need `stage` loaded (select_related) to avoid a query each.
    """
    now = now or timezone.now()
    open_deals = [deal for deal in deals if not deal.is_closed]
    ids = [deal.pk for deal in open_deals]
    dm_from: dict[int, int] = {}
    rows = (
        StageRequirement.objects.filter(
            kind="decision_maker",
            stage__archived_at__isnull=True,
            stage__pipeline_id__in={deal.pipeline_id for deal in open_deals},
        )
        .values_list("stage__pipeline_id", "stage__position")
        .order_by("stage__position")
    )
    for pipeline_id, position in rows:
        dm_from.setdefault(pipeline_id, position)
    with_dm = set(
        DealStakeholder.objects.filter(
            deal_id__in=ids, role=StakeholderRole.DECISION_MAKER
        ).values_list("deal_id", flat=True)
    )
    demo_planned = _demos_planned(Q(deal_id__in=ids))
    result: dict[int, list[DealWarning]] = {deal.pk: [] for deal in deals}
    for deal in open_deals:
        warnings = result[deal.pk]
        stage = deal.stage
        in_presentation = _presenting(stage, dm_from.get(deal.pipeline_id))
        if deal.pk not in with_dm and (in_presentation or deal.pk in demo_planned):
            warnings.append(DealWarning("no_decision_maker", NO_DECISION_MAKER))
        warnings.extend(_rotting(deal, stage, now))
    return result


def _demos_planned(deals: Q) -> set[int]:
    """The ids of the `deals` (a Q on `deal_id`) with a demo not done yet.

    Read through the reverse relation (the activities app depends on this one, not the other
    way), by the deal only: with `done_at IS NULL` in the query SQLite took the agenda index
    (owner, done_at, due_at), whose statistics promise one row per owner where there are
    thousands (330 ms on a board of 160 cards at a million activities, instead of 2 ms)."""
    activity = Deal._meta.get_field("activities").related_model
    rows = activity.objects.filter(deals, type="demo").values_list("deal_id", "done_at")
    return {deal_id for deal_id, done_at in rows if done_at is None}


NO_DECISION_MAKER = "No decision maker is known: find out who decides before you present."


def _presenting(stage: Stage, start: int | None) -> bool:
    """The deal is at or past the first open stage that asks for a decision maker (`start`)."""
    return start is not None and stage.kind == StageKind.OPEN and stage.position >= start


def _rotting(deal: Deal, stage: Stage, now: dt.datetime) -> list[DealWarning]:
    """The rotting warning when the deal has been idle in its stage longer than it allows."""
    if not stage.rotting_days:
        return []
    idle = now - deal.stage_entered_at
    if idle <= dt.timedelta(days=stage.rotting_days):
        return []
    text = f"Idle {idle.days} days in {stage.name} (more than {stage.rotting_days})."
    return [DealWarning("rotting", text)]


def deal_warnings(deal: Deal, *, now: dt.datetime | None = None) -> list[DealWarning]:
    """What a rep should notice on an open deal; see `deals_warnings`. The same warnings from
    what the deal page reads anyway (its stages, their exit criteria, its stakeholders), and a
    look for a planned demo only when that alone decides."""
    if deal.is_closed:
        return []
    now = now or timezone.now()
    requirements = deal_stage_requirements(deal)
    start = min(
        (
            stage.position
            for stage in deal_pipeline_stages(deal)
            if stage.archived_at is None
            and any(row.kind == "decision_maker" for row in requirements.get(stage.pk, []))
        ),
        default=None,
    )
    stage = deal.stage
    has_dm = any(row.role == StakeholderRole.DECISION_MAKER for row in deal_stakeholder_rows(deal))
    warnings = []
    if not has_dm and (_presenting(stage, start) or _demos_planned(Q(deal_id=deal.pk))):
        warnings.append(DealWarning("no_decision_maker", NO_DECISION_MAKER))
    return warnings + _rotting(deal, stage, now)


def deal_stakeholder_rows(deal: Deal) -> list[DealStakeholder]:
    """The deal's stakeholders (`stakeholders_of`) as a list: read once per deal page, where
    the panel, the warnings and the email panel use them."""
    return page_memo(deal, "stakeholders", lambda: list(stakeholders_of(deal)))


# Board ---------------------------------------------------------------------------------------

# Newest in the stage first. A card moved into a column sorts first, and a card moved out was
# among those shown, so "load more" from the number of cards on screen neither skips nor repeats.
BOARD_ORDER = (F("stage_entered_at").desc(), F("pk").desc())
# The closed deals a board shows: the site-wide choices (`ClosedPeriod`) and a period of the
# viewer's own, from/to.
BOARD_CLOSED_PERIOD = "period"
BOARD_CLOSED_CHOICES = [*ClosedPeriod.choices, (BOARD_CLOSED_PERIOD, "Closed from ... to ...")]


def board_closed_range(
    closed: str,
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> tuple[dt.date | None, dt.date | None]:
    """The close days a board's Won and Lost columns show for a choice of BOARD_CLOSED_CHOICES:
    this month or this quarter (up to today and beyond, should a close day be later), the
    given period, or every day (None, None)."""
    if closed == ClosedPeriod.MONTH:
        return today.replace(day=1), None
    if closed == ClosedPeriod.QUARTER:
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), None
    if closed == BOARD_CLOSED_PERIOD:
        return start, end
    return None, None


def board_deals(
    user: Any,
    *,
    pipeline: Pipeline,
    owner_id: int | None = None,
    team_id: int | None = None,
    closed_from: dt.date | None = None,
    closed_to: dt.date | None = None,
) -> QuerySet[Deal]:
    """The deals of a pipeline's board that the user may see: open deals, and deals won or lost
    on a day from `closed_from` to `closed_to` (the Won and Lost columns; no bounds: all of
    them). Suspended deals are left out. `team_id` includes the team's sub-teams."""
    closed = Q(outcome__in=[*WON_OUTCOMES, Outcome.LOST])
    if closed_from or closed_to:
        closed &= deals_closed_on_q(start=closed_from, end=closed_to)
    deals = deals_visible_to(user).filter(Q(outcome=Outcome.OPEN) | closed)
    deals = deals.filter(pipeline=pipeline)
    if owner_id:
        deals = deals.filter(owner_id=owner_id)
    if team_id:
        deals = deals.filter(team_id__in=team_tree_ids(team_id))
    return deals


@dataclass
class ColumnAmount:
    currency: str
    total: Decimal
    weighted: Decimal


@dataclass
class ColumnTotals:
    count: int = 0
    rotting: int = 0
    amounts: list[ColumnAmount] = field(default_factory=list)


def board_column_totals(
    deals: QuerySet[Deal],
    stages: list[Stage],
    *,
    now: dt.datetime | None = None,
    closed_from: dt.date | None = None,
    closed_to: dt.date | None = None,
) -> dict[int, ColumnTotals]:
    """Per stage: how many deals, their amount and weighted amount per currency, how many rot.

    Two aggregate queries grouped by stage (and currency), whatever the number of columns. The
    weighted amount is amount x the stage's probability; every deal of a column shares that
    probability, so it is the column's sum times it.
    """
    now = now or timezone.now()
    rotting = Q(pk__in=[])
    for stage in stages:
        if stage.rotting_days and stage.kind == StageKind.OPEN:
            idle_since = now - dt.timedelta(days=stage.rotting_days)
            rotting |= Q(stage_id=stage.pk, stage_entered_at__lt=idle_since)
    in_columns = deals.filter(stage__in=[stage.pk for stage in stages])
    # Open deals and closed ones apart: the open ones through `deal_board_totals_idx` alone
    # (it holds every column this reads), the closed ones of the chosen period through their
    # close day. Together, SQLite walked every deal of the pipeline's stages, closed ones of
    # all time included (50 ms of CPU at 100,000 deals).
    # With the board's close days (`closed_from`, `closed_to`: the `deals` hold only those),
    # the closed ones are read by close day through `deal_board_closed_idx`, those with
    # `closed_on` and the older ones with only `closed_at` apart (UNION ALL, one query): the
    # Won column otherwise walks every deal won since the start (16 ms of CPU at scale 1).
    closed = [in_columns.exclude(outcome=Outcome.OPEN)]
    if closed_from is not None or closed_to is not None:
        on = Q(closed_on__isnull=False)
        on &= Q(closed_on__gte=closed_from) if closed_from is not None else Q()
        on &= Q(closed_on__lte=closed_to) if closed_to is not None else Q()
        at = Q(closed_on__isnull=True, closed_at__isnull=False)
        at &= moment_on_days_q("closed_at", start=closed_from, end=closed_to)
        closed = [closed[0].filter(on), closed[0].filter(at)]
    merged: dict[tuple[int, str], dict[str, Any]] = {}
    for parts in ([in_columns.filter(outcome=Outcome.OPEN)], closed):
        grouped = [
            part.values("stage_id", "currency")
            .annotate(count=Count("pk"), total=Sum("amount"), rotting=Count("pk", filter=rotting))
            .order_by()
            for part in parts
        ]
        rows = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
        for row in sorted(rows, key=lambda row: (row["stage_id"], row["currency"])):
            into = merged.setdefault(
                (row["stage_id"], row["currency"]),
                {**row, "count": 0, "rotting": 0, "total": None},
            )
            into["count"] += row["count"]
            into["rotting"] += row["rotting"]
            if row["total"] is not None:
                into["total"] = Decimal(into["total"] or 0) + Decimal(row["total"])
    probability = {stage.pk: stage.probability for stage in stages}
    totals = {stage.pk: ColumnTotals() for stage in stages}
    for _, row in sorted(merged.items()):
        column = totals[row["stage_id"]]
        column.count += row["count"]
        column.rotting += row["rotting"]
        if row["total"] is not None:
            total = Decimal(row["total"])
            weighted = (total * probability[row["stage_id"]] / 100).quantize(Decimal("0.01"))
            column.amounts.append(ColumnAmount(row["currency"], total, weighted))
    return totals


# What a card, its warnings and its Move form read (`views_board.BoardCard`): a board's 168
# deals are built with their account, owner and stage without the other 60 columns.
BOARD_CARD_FIELDS = [
    *("name", "version", "amount", "currency", "outcome", "closed_at", "stage_entered_at"),
    *("open_activity_count", "next_activity_at", "pipeline_id", "owner_id", "team_id"),
    *("visibility", "account__name", "owner__first_name", "owner__last_name"),
    *("owner__username", "stage__pipeline_id", "stage__name", "stage__position"),
    *("stage__probability", "stage__rotting_days", "stage__kind", "stage__archived_at"),
]


def board_cards(
    deals: QuerySet[Deal], *, per_column: int, stage_ids: list[int]
) -> dict[int, list[Deal]]:
    """The first `per_column` + 1 deals of every column (the extra one says there are more),
    in one query whatever the number of deals: per stage, a subquery takes its first rows in
    board order (`deal_board_order_idx` walks them in that order and stops), and the deals
    with their account, owner and stage are read for those rows only. (A window numbering
    every deal of the board sorted and joined all 30,000 open deals of a big pipeline.)"""
    if not stage_ids:
        return {}
    chosen = first_per_stage(deals, stage_ids, order=BOARD_ORDER, limit=per_column + 1)
    ranked = (
        Deal.objects.filter(pk__in=chosen)
        .select_related("account", "owner", "stage")
        .only(*BOARD_CARD_FIELDS)
        .order_by("stage_id", *BOARD_ORDER)
    )
    columns: dict[int, list[Deal]] = {}
    for deal in ranked:
        columns.setdefault(deal.stage_id, []).append(deal)
    return columns


def first_per_stage(
    deals: QuerySet[Deal], stage_ids: list[int], *, order: Any, limit: int
) -> RawSQL:
    """The ids of the first `limit` deals of each stage in `order`, as one subquery: per stage
    a `LIMIT`ed select, all joined by UNION ALL, so the database reads a few rows per stage
    through an index instead of numbering every deal with a window. Filter on `pk__in`."""
    return first_of_each(
        deals, [Q(stage_id=stage_id) for stage_id in stage_ids], order=order, limit=limit
    )


def first_of_each(queryset: QuerySet, parts: list[Q], *, order: Any, limit: int) -> RawSQL:
    """The pks of the first `limit` rows of `queryset` in `order` for each of `parts` (a Q
    each), as one subquery to filter on with `pk__in`: per part a `LIMIT`ed select, joined
    by UNION ALL. Each part can walk its own index in `order` and stop, where an OR of the
    parts makes the database read and sort every match (a team's 3,000 deals or overdue
    activities for the first 20). A row in two parts comes twice; `pk__in` reads it once."""
    firsts = []
    for part in parts:
        first = queryset.filter(part).order_by(*order).values("pk")
        sql, params = first[:limit].query.sql_with_params()
        firsts.append((f"SELECT * FROM ({sql}) first_{len(firsts)}", params))  # noqa: S608
    return RawSQL(  # noqa: S611 (SQL Django compiled from querysets; values are parameters)
        " UNION ALL ".join(sql for sql, _ in firsts),
        tuple(param for _, params in firsts for param in params),
    )


def board_column_page(
    deals: QuerySet[Deal], *, stage: Stage, offset: int, limit: int
) -> list[Deal]:
    """`limit` + 1 deals of one column from `offset` on, in board order (one query)."""
    page = deals.filter(stage=stage).select_related("account", "owner", "stage")
    return list(page.order_by(*BOARD_ORDER)[offset : offset + limit + 1])


def stage_next_of(deal: Deal) -> Stage | None:
    """The stage a forward move of the open deal goes to: the next active open stage, or Won."""
    if deal.is_closed:
        return None
    later = [
        stage
        for stage in deal_pipeline_stages(deal)
        if stage.archived_at is None
        and stage.position > deal.stage.position
        and stage.kind != StageKind.LOST
    ]
    return later[0] if later else None
