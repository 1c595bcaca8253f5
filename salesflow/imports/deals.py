"""Historical deals: each row is checked, then new deals are written in batches by
`deals_create_with_history`, which writes their StageChange paths (docs/imports.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.customers.models import Account
from salesflow.customers.services import account_update
from salesflow.customfields.services import custom_values_assign
from salesflow.imports.kinds import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Handler,
    RunContext,
    account_facts_pop,
    changes_of,
)
from salesflow.imports.mapping import MappedRow
from salesflow.imports.resolver import RowProblem, stages_in_order, text_key
from salesflow.imports.targets import ACCOUNT_FACT_PREFIX
from salesflow.pipeline.models import Deal, Outcome, Stage, StageKind
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.pipeline.services import (
    NEEDS_REASON,
    DealHistory,
    deal_close,
    deal_move,
    deal_update,
    deals_create_with_history,
)
from salesflow.quotes.models import DealLine, Product
from salesflow.quotes.services import deal_lines_bulk_create, deal_lines_replace
from salesflow.users.models import User
from salesflow.users.services import ownership_defaults

# Relations the resolver has just read or written; a deal's own fields are checked on their own.
DEAL_RELATIONS = [
    "account", "primary_contact", "lead", "pipeline", "stage", "lost_reason", "qualification",
    "owner", "team",
]  # fmt: skip
CENT = Decimal("0.01")
# A closed deal with no date of its own spends about this long in each stage.
STAGE_DAYS = dt.timedelta(days=14)


@dataclass
class _PlannedDeal:
    row: MappedRow
    history: DealHistory
    created_at: dt.datetime
    # The row's product line: (product, quantity, unit price).
    line: tuple[Product, Decimal, Decimal] | None = None


@dataclass
class _Moment:
    """When a deal reached a point of its path, and where the file said so (None: estimated)."""

    what: str  # "was created", "entered 'Needs assessment'", "closed"
    at: dt.datetime | None = None
    target: str = ""  # the mapping target or stage date column that gave it


class DealHandler(Handler):
    """Historical deals: each row is checked here, then new deals are written in batches by
    `deals_create_with_history`, which writes their StageChange paths."""

    model = Deal
    field_targets = {"primary_contact": "contact_email", "stage_entered_at": "stage"}

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.planned: list[_PlannedDeal] = []

    def key(self, row: MappedRow) -> tuple[Any, ...] | None:
        if row.values.get("external_id"):
            return ("external_id", row.values["external_id"])
        return None  # keyed by account after it is resolved, see `_natural_key`

    def readable(self) -> models.QuerySet[Deal]:
        return deals_visible_to(self.ctx.acting_user)

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        rows = list(rows)
        self.resolver.accounts_prefetch(row.values.get("account", "") for row in rows)
        self.resolver.contacts_prefetch(row.values.get("contact_email", "") for row in rows)
        ids = {row.values["external_id"] for row in rows if row.values.get("external_id")}
        found: dict[tuple[Any, ...], Any] = {}
        if ids:
            records = (
                self.readable().filter(external_id__in=ids).select_related("stage").order_by("-pk")
            )
            for deal in records:
                found[("external_id", deal.external_id)] = deal
        return found

    def _natural_key(self, account: Account | None, name: str, row: MappedRow) -> tuple[Any, ...]:
        created = row.values.get("created_at")
        return (
            "deal",
            account.pk if account else None,
            text_key(name),
            timezone.localdate(created) if created else None,
        )

    def _natural_find(self, key: tuple[Any, ...]) -> Deal | None:
        _, account_id, name, created_on = key
        deals = self.readable().filter(account_id=account_id).select_related("stage").order_by("pk")
        for deal in deals:
            same_day = created_on is None or timezone.localdate(deal.created_at) == created_on
            if text_key(deal.name) == name and same_day:
                return deal
        return None

    def write(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str:
        values = row.values
        if not values.get("stage"):
            raise RowProblem("stage", "A deal needs a stage.")
        owner = self.resolver.owner(values["owner"]) if "owner" in values else None
        effective_owner = owner or self.ctx.default_owner
        account = None  # a blank account cell: a deal whose customer is not known yet
        if values.get("account"):
            mark = self.resolver.mark()
            account = self.resolver.account(values["account"], owner=effective_owner)
            facts = {k: v for k, v in values.items() if k.startswith(ACCOUNT_FACT_PREFIX)}
            if facts and self.resolver.mark() > mark:  # created for this row
                account_update(
                    account, acting_user=self.ctx.acting_user, **account_facts_pop(facts)
                )
        name = values.get("name") or _deal_name(account, values.get("external_id", ""))
        if not name:
            raise RowProblem("name", "A deal without an account needs a name or an external id.")
        key = self.key(row) or self._natural_key(account, name, row)
        existing = known.get(key)
        if existing is None and key[0] == "deal":
            existing = self._natural_find(key)
        if isinstance(existing, _PlannedDeal):
            raise RowProblem(
                "external_id" if key[0] == "external_id" else "name",
                f"The same deal is already on row {existing.row.number} of this file.",
            )
        pipeline = self.resolver.pipeline(values.get("pipeline"))
        stage = self.resolver.stage(pipeline, values["stage"])
        outcome = _outcome_of(stage, values.get("outcome"))
        path = self._path(pipeline, stage, outcome, reached=self._furthest_dated(row, pipeline))
        if existing is not None:
            new_owner = owner if "owner" in row.from_file else None
            return self._update(existing, row, new_owner, account, pipeline, path[-1], outcome)
        plan = self._plan(row, effective_owner, account, name, pipeline, path, outcome)
        self.planned.append(plan)
        known[key] = plan
        return "planned"

    def _plan(
        self,
        row: MappedRow,
        owner: User,
        account: Account | None,
        name: str,
        pipeline: Any,
        path_stages: list[Stage],
        outcome: str,
    ) -> _PlannedDeal:
        values = row.values
        points = self._moments_given(row, pipeline, path_stages, outcome)
        at_list, estimated = _moments_fill(
            [p.at for p in points], now=self.ctx.now, closed=outcome != Outcome.OPEN
        )
        created_at = at_list[0]
        closed_at = at_list[-1] if outcome != Outcome.OPEN else None
        lost_reason = None
        if outcome in NEEDS_REASON:
            lost_reason = self.resolver.lost_reason(values.get("lost_reason"))
        data: dict[str, Any] = {"owner": owner, "team": self.resolver.team_of(owner)}
        if not self.resolver.may_own(owner):
            ownership_defaults(acting_user=self.ctx.acting_user, data=dict(data))
        contact = None
        if values.get("contact_email"):
            contact = self.resolver.contact(
                values["contact_email"],
                name=values.get("contact_name", ""),
                account=account,
                owner=owner,
            )
            if account is not None and contact.account_id not in (None, account.pk):
                raise ValidationError({"primary_contact": "This contact works at another account."})
        moments = at_list[: len(path_stages)]
        deal = Deal(
            name=name,
            account=account,
            primary_contact=contact,
            pipeline=pipeline,
            stage=path_stages[-1],
            stage_entered_at=moments[-1],
            amount=values.get("amount"),
            expected_close_on=values.get("expected_close_on")
            or (timezone.localdate(closed_at) if closed_at else None),
            outcome=outcome,
            closed_at=closed_at,
            lost_reason=lost_reason,
            external_id=values.get("external_id", ""),
            owner=owner,
            team=data["team"],
            visibility=values.get("visibility") or Deal._meta.get_field("visibility").default,
        )
        if "currency" in values:
            deal.currency = values["currency"]
        line = self._line(row, deal)
        if line is not None:
            deal.amount_from_lines = True
            if deal.amount is None:
                deal.amount = _line_total(line)
        # As deal_create does: the row's values, the fields' defaults, the required ones.
        custom_values_assign(deal, self.custom_of(row, for_update=False), kind="deal")
        # The related rows were just read or written by the resolver, so only the deal's own
        # fields need checking; the constraints are checked by deals_create_with_history (and
        # held by the database).
        deal.full_clean(exclude=DEAL_RELATIONS, validate_constraints=False)
        history = DealHistory(
            deal=deal,
            path=[(s, at, owner) for s, at in zip(path_stages, moments, strict=True)],
            outcome=outcome,
            closed_at=closed_at,
            estimated={i for i in estimated if i < len(path_stages)},
            is_closed_at_estimated=outcome == Outcome.SUSPENDED and len(points) - 1 in estimated,
        )
        return _PlannedDeal(row=row, history=history, created_at=created_at, line=line)

    def _line(self, row: MappedRow, deal: Deal) -> tuple[Product, Decimal, Decimal] | None:
        """The product line a row gives: its product, quantity (1 when not given) and unit
        price, which is the row's amount shared over the quantity, else the list price."""
        values = row.values
        quantity = values.get("quantity")
        if not values.get("product"):
            if quantity is not None and "quantity" in row.from_file:
                raise RowProblem("quantity", "A quantity needs a product on the same row.")
            return None
        product = self.resolver.product(values["product"])
        quantity = Decimal(1) if quantity is None else Decimal(quantity)
        if quantity <= 0:
            raise RowProblem(
                "quantity", f"A product line needs a quantity above zero, not {quantity:g}."
            )
        amount = values.get("amount")
        if amount is not None:
            return product, quantity, (Decimal(amount) / quantity).quantize(CENT)
        if product.currency != deal.currency:
            raise RowProblem(
                "product",
                f"{product.name} is priced in {product.currency} and the deal is in "
                f"{deal.currency}; map an amount column for its price.",
            )
        return product, quantity, product.unit_price

    def _moments_given(
        self, row: MappedRow, pipeline: Any, path_stages: list[Stage], outcome: str
    ) -> list[_Moment]:
        """What the file says of each point of the path (a suspended deal's suspension last),
        checked: no moment in the future, none before an earlier one."""
        values = row.values
        names = {text_key(s.name): s for s in stages_in_order(pipeline)}
        dated: dict[int, tuple[str, dt.datetime]] = {}
        for stage_name, (column, at) in row.stage_dates.items():
            stage = names.get(text_key(stage_name))
            if stage is None:
                raise RowProblem(
                    column,
                    f"stage_dates names {stage_name!r}, which is not a stage of pipeline "
                    f"{pipeline.name!r}; use one of: {', '.join(s.name for s in names.values())}.",
                )
            dated[stage.pk] = (column, at)
        points = []
        for index, stage in enumerate(path_stages):
            point = _Moment(f"entered {stage.name!r}")
            if stage.pk in dated:
                point.target, point.at = dated[stage.pk]
            if index == 0 and values.get("created_at") is not None:
                point = _Moment("was created", values["created_at"], "created_at")
            points.append(point)
        if outcome == Outcome.SUSPENDED:
            points.append(_Moment("was suspended"))
        if outcome != Outcome.OPEN and values.get("closed_at") is not None:
            points[-1] = _Moment("closed", values["closed_at"], "closed_at")
        mapper = self.ctx.mapper
        earlier: _Moment | None = None
        for point in points:
            if point.at is None:
                continue
            if point.at > self.ctx.now:
                message = {
                    "created_at": "A deal cannot be created in the future.",
                    "closed_at": "A closed deal cannot close in the future.",
                }.get(point.target, f"The deal cannot have {point.what} in the future.")
                raise RowProblem(point.target, message)
            if earlier is not None and point.at < earlier.at:
                raise RowProblem(
                    point.target,
                    f"Dates out of order: {mapper.column_for(point.target)} "
                    f"({_day(point.at)}, the deal {point.what}) is before "
                    f"{mapper.column_for(earlier.target)} ({_day(earlier.at)}, the deal "
                    f"{earlier.what}).",
                )
            earlier = point
        return points

    def _furthest_dated(self, row: MappedRow, pipeline: Any) -> Stage | None:
        """The furthest open stage the row's stage date columns say the deal entered."""
        names = {text_key(s.name): s for s in self.resolver.open_stages(pipeline)}
        dated = [names[text_key(name)] for name in row.stage_dates if text_key(name) in names]
        return max(dated, key=lambda s: s.position, default=None)

    def _path(
        self, pipeline: Any, stage: Stage, outcome: str, *, reached: Stage | None = None
    ) -> list[Stage]:
        """The stages a deal passed: the open stages up to where it got, then Won or Lost.

        A deal that ended in Won passed every open stage; one that ended in Lost got as far as
        the furthest stage a stage date column gives (`reached`), else it is taken to have been
        lost after the first stage.
        """
        open_stages = self.resolver.open_stages(pipeline)
        if stage.kind == StageKind.OPEN:
            path = [s for s in open_stages if s.position <= stage.position] or [stage]
            if outcome in (Outcome.WON, Outcome.LOST):
                path.append(self.resolver.terminal_stage(pipeline, outcome))
            return path
        if stage.kind == StageKind.WON:
            return [*open_stages, stage]
        if reached is not None:
            return [*(s for s in open_stages if s.position <= reached.position), stage]
        return [*open_stages[:1], stage]

    def flush(self) -> list[tuple[MappedRow, str | Exception]]:
        planned, self.planned = self.planned, []
        if not planned:
            return []
        try:
            with transaction.atomic():
                self._insert(planned)
            return [(p.row, CREATED) for p in planned]
        except (ValidationError, IntegrityError):
            pass
        results: list[tuple[MappedRow, str | Exception]] = []
        for plan in planned:  # find the row the batch stumbled on
            try:
                with transaction.atomic():
                    self._insert([plan])
                results.append((plan.row, CREATED))
            except ValidationError as exc:
                results.append((plan.row, exc))
            except IntegrityError as exc:
                results.append((plan.row, ValidationError(f"The database refused the deal: {exc}")))
        return results

    def _insert(self, planned: list[_PlannedDeal]) -> None:
        deals = deals_create_with_history([p.history for p in planned])
        # bulk_create stamps created_at "now"; a historical deal keeps the date it was created.
        for deal, plan in zip(deals, planned, strict=True):
            deal.created_at = plan.created_at
        Deal.objects.bulk_update(deals, ["created_at"])
        deal_lines_bulk_create(
            [
                DealLine(deal=deal, product=plan.line[0], quantity=plan.line[1],
                         unit_price=plan.line[2], position=1)
                for deal, plan in zip(deals, planned, strict=True)
                if plan.line is not None
            ]
        )  # fmt: skip
        self.ctx.estimated_moments += sum(
            len(p.history.estimated) + p.history.is_closed_at_estimated for p in planned
        )

    def _update(
        self,
        deal: Deal,
        row: MappedRow,
        owner: User | None,
        account: Account,
        pipeline: Any,
        stage: Stage,
        outcome: str,
    ) -> str:
        """Change what the file changed; a new stage or outcome is a move, with its history."""
        values = row.values
        data: dict[str, Any] = {
            name: values[name]
            for name in ("name", "amount", "currency", "expected_close_on", "visibility")
            if name in row.from_file
        }
        if owner is not None:
            data["owner"] = owner
        if "account" in row.from_file:
            data["account"] = account
        custom = self.custom_of(row, for_update=True)
        if custom:
            data["custom"] = custom
        line = self._line(row, deal) if "product" in row.from_file else None
        if line is not None:
            data.pop("amount", None)  # the amount follows the line
        changes = changes_of(deal, data)
        moved = deal.stage_id != stage.pk or deal.outcome != outcome
        if pipeline.pk != deal.pipeline_id:
            raise RowProblem("pipeline", "The deal is in another pipeline; move it by hand.")
        lines_changed = line is not None and (
            not deal.amount_from_lines
            or [(li.product_id, li.quantity, li.unit_price) for li in deal.lines.all()]
            != [(line[0].pk, line[1], line[2])]
        )
        if not changes and not moved and not lines_changed:
            return UNCHANGED
        user = self.ctx.acting_user
        if changes:
            deal = deal_update(deal, acting_user=user, **changes)
        if lines_changed:
            deal = deal_lines_replace(deal, acting_user=user, lines=[line])
        if moved:
            at = values.get("closed_at") if outcome != Outcome.OPEN else None
            if at is None or at < deal.stage_entered_at:
                at = self.ctx.now
            reason = (
                self.resolver.lost_reason(values.get("lost_reason"))
                if outcome in NEEDS_REASON
                else None
            )
            try:
                if outcome == Outcome.SUSPENDED:
                    deal_close(deal, outcome=outcome, acting_user=user, lost_reason=reason, at=at)
                else:
                    deal_move(deal, to_stage=stage, acting_user=user, lost_reason=reason, at=at)
            except DomainError as exc:
                raise RowProblem("stage", exc.full_text()) from exc
        return UPDATED


def _outcome_of(stage: Stage, given: str | None) -> str:
    from_stage = {StageKind.WON: Outcome.WON, StageKind.LOST: Outcome.LOST}.get(
        stage.kind, Outcome.OPEN
    )
    if not given:
        return from_stage
    if stage.kind != StageKind.OPEN and given != from_stage:
        raise RowProblem(
            "outcome", f"Stage {stage.name!r} closes a deal as {from_stage}, not {given}."
        )
    if given not in (Outcome.OPEN, Outcome.WON, Outcome.LOST, Outcome.SUSPENDED):
        raise RowProblem("outcome", f"An import cannot set the outcome {given!r}.")
    return given


def _moments_fill(
    given: list[dt.datetime | None], *, now: dt.datetime, closed: bool
) -> tuple[list[dt.datetime], set[int]]:
    """Every moment of a path, and the positions of those estimated because no column gave them.

    Between two known moments the missing ones are spread evenly; before the first known one
    they are that moment; after the last, an open deal's are spread up to some time before
    now and a closed deal's 14 days per stage (never after now). With no date at all, every
    moment is the import's own.
    """
    known = [i for i, at in enumerate(given) if at is not None]
    estimated = {i for i, at in enumerate(given) if at is None}
    if not known:
        return [now] * len(given), estimated
    moments: list[dt.datetime] = [at or now for at in given]
    for index in range(known[0]):
        moments[index] = moments[known[0]]
    for start, end in itertools.pairwise(known):
        for index in range(start + 1, end):
            moments[index] = moments[start] + (moments[end] - moments[start]) * (
                (index - start) / (end - start)
            )
    last, count = known[-1], len(given)
    if last < count - 1:
        steps = count - 1 - last
        end_at = min(now, moments[last] + STAGE_DAYS * steps) if closed else now
        parts = steps if closed else steps + 1
        for index in range(last + 1, count):
            moments[index] = moments[last] + (end_at - moments[last]) * ((index - last) / parts)
    return moments, estimated


def _day(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _deal_name(account: Account | None, external_id: str) -> str:
    if account is None:
        return f"Deal #{external_id}" if external_id else ""
    return f"{account.name} #{external_id}" if external_id else account.name


def _line_total(line: tuple[Product, Decimal, Decimal]) -> Decimal:
    _, quantity, unit_price = line
    return (quantity * unit_price).quantize(CENT)
