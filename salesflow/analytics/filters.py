"""What every report filters by, and whose records a report may count.

A report counts the viewer's own figures (a rep), their teams' and every sub-team's (a manager),
or everything (an admin): `report_scope_q`. Filters only narrow that scope. They are parsed once
from a query string (`filters_parse`), so the page, the CSV and the API apply the same ones and
name the same field when one is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from salesflow.customfields.models import RecordKind
from salesflow.customfields.selectors import PREFIX, custom_field_get, custom_filter_q
from salesflow.leads.models import Channel, Lead, Source
from salesflow.pipeline.models import Deal, Pipeline, StageChange
from salesflow.users.models import Team, User
from salesflow.users.policy import NOTHING, managed_team_ids
from salesflow.users.selectors import team_tree_ids

FILTER_FIELDS = ("from", "to", "pipeline", "team", "owner", "channel", "source")


@dataclass(frozen=True)
class ReportFilters:
    """The filters of one report request. Dates are inclusive days; None means no bound."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    pipeline: Pipeline | None = None
    team: Team | None = None
    owner: User | None = None
    channel: str = ""
    source: str = ""
    # Every team the team filter stands for: the team and the teams below it.
    team_ids: tuple[int, ...] = field(default=())
    # Custom field filters as given ("custom.<key>[__op]", value): on deals for the reports
    # that count deals, on leads for those that count leads.
    custom: tuple[tuple[str, str], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The filters applied, as the API and the CSV echo them."""
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "pipeline": self.pipeline.pk if self.pipeline else None,
            "team": self.team.pk if self.team else None,
            "owner": self.owner.pk if self.owner else None,
            "channel": self.channel or None,
            "source": self.source or None,
            **dict(self.custom),
        }

    def query_string(self) -> str:
        """The filters as a query string, for links between reports and to the CSV."""
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in self.as_dict().items() if v is not None})


class FilterError(ValueError):
    """Filters that cannot be applied; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {text}" for key, text in errors.items()))
        self.errors = errors


def _date(value: str, name: str, errors: dict[str, str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = f"{value!r} is not a date; write it as YYYY-MM-DD."
        return None


def _id(value: str, name: str, errors: dict[str, str]) -> int | None:
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[name] = f"{value!r} is not an id."
        return None


def filters_parse(viewer: Any, query: Mapping[str, Any]) -> ReportFilters:
    """Read the filters of a query string (or an API query), checking each one.

    A team, owner or pipeline the viewer may not report on is an error naming it, as is an
    unknown id: a filter never silently shows everything instead.
    """
    errors: dict[str, str] = {}
    get = lambda key: "" if query.get(key) is None else str(query.get(key)).strip()  # noqa: E731
    date_from = _date(get("from"), "from", errors)
    date_to = _date(get("to"), "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = f"'to' ({date_to}) is before 'from' ({date_from})."

    pipeline = None
    if (pipeline_id := _id(get("pipeline"), "pipeline", errors)) is not None:
        pipeline = Pipeline.objects.filter(pk=pipeline_id).first()
        if pipeline is None:
            errors["pipeline"] = f"There is no pipeline {pipeline_id}."

    team, team_ids = None, ()
    if (team_id := _id(get("team"), "team", errors)) is not None:
        team = Team.objects.filter(pk=team_id).first()
        if team is None or not _may_report_on_team(viewer, team.pk):
            errors["team"] = f"There is no team {team_id} you may report on."
            team = None
        else:
            team_ids = tuple(team_tree_ids(team.pk))

    owner = None
    if (owner_id := _id(get("owner"), "owner", errors)) is not None:
        owner = User.objects.filter(pk=owner_id).first()
        if owner is None or not _may_report_on_user(viewer, owner):
            errors["owner"] = f"There is no user {owner_id} you may report on."
            owner = None

    custom = tuple(
        (name, get(name)) for name in sorted(query) if name.startswith(PREFIX) and get(name)
    )
    for name, _ in custom:
        key = name.removeprefix(PREFIX).partition("__")[0]
        if not any(custom_field_get(kind, key) for kind in (RecordKind.DEAL, RecordKind.LEAD)):
            errors[name] = f"There is no deal or lead custom field with the key {key!r}."

    channel = get("channel")
    if channel and channel not in Channel.values:
        errors["channel"] = f"{channel!r} is not a channel; use one of {', '.join(Channel.values)}."
    source = get("source")
    if source and source not in Source.values:
        errors["source"] = f"{source!r} is not a source; use one of {', '.join(Source.values)}."
    if errors:
        raise FilterError(errors)
    return ReportFilters(
        date_from=date_from,
        date_to=date_to,
        pipeline=pipeline,
        team=team,
        owner=owner,
        channel=channel,
        source=source,
        team_ids=team_ids,
        custom=custom,
    )


def _may_report_on_team(viewer: Any, team_id: int) -> bool:
    if viewer.is_admin:
        return True
    return team_id in managed_team_ids(viewer) if viewer.is_manager else False


def _may_report_on_user(viewer: Any, user: User) -> bool:
    if viewer.is_admin or user.pk == viewer.pk:
        return True
    if not viewer.is_manager:
        return False
    return user.teams.filter(pk__in=managed_team_ids(viewer)).exists()


def report_scope_q(viewer: Any, prefix: str = "") -> Q:
    """The owned records whose figures the viewer may see: a rep their own, a manager those of
    the teams they manage (sub-teams included) and their own, an admin everything."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return NOTHING
    if viewer.is_admin:
        return Q()
    own = Q(**{f"{prefix}owner": viewer})
    if viewer.is_manager:
        return own | Q(**{f"{prefix}team__in": managed_team_ids(viewer)})
    return own


def _common_q(filters: ReportFilters, prefix: str, *, lead_prefix: str) -> Q:
    q = Q()
    if filters.team is not None:
        q &= Q(**{f"{prefix}team__in": filters.team_ids})
    if filters.owner is not None:
        q &= Q(**{f"{prefix}owner": filters.owner})
    if filters.channel:
        q &= Q(**{f"{lead_prefix}channel": filters.channel})
    if filters.source:
        q &= Q(**{f"{lead_prefix}source": filters.source})
    return q


def _custom_q(filters: ReportFilters, kind: str) -> Q:
    """The custom field filters on records of `kind`, as a Q on that model; a filter the kind
    has no field for, or a value its type cannot read, is a FilterError naming it."""
    if not filters.custom:
        return Q()
    try:
        return custom_filter_q(kind, dict(filters.custom))
    except ValidationError as exc:
        raise FilterError(
            {name: " ".join(messages) for name, messages in exc.message_dict.items()}
        ) from None


def _period_q(filters: ReportFilters, field_path: str) -> Q:
    """The period on a date, or on the day of a moment (`<moment>__date`): the latter as the
    range from the first day's midnight to the next midnight after the last day, in the current
    time zone. That selects the same rows as `__date` does, but lets the database use an index
    on the moment (and spares SQLite a conversion per row)."""
    q = Q()
    if field_path.endswith("__date"):
        moment = field_path.removesuffix("__date")
        if filters.date_from is not None:
            q &= Q(**{f"{moment}__gte": day_start(filters.date_from)})
        if filters.date_to is not None:
            q &= Q(**{f"{moment}__lt": day_start(filters.date_to + dt.timedelta(days=1))})
        return q
    if filters.date_from is not None:
        q &= Q(**{f"{field_path}__gte": filters.date_from})
    if filters.date_to is not None:
        q &= Q(**{f"{field_path}__lte": filters.date_to})
    return q


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# The date each kind of report selects deals by: the day they were created, or closed.
BY_CREATED = "created"
BY_CLOSED = "closed"
DEAL_DATE_FIELDS = {BY_CREATED: "created_at__date", BY_CLOSED: "closed_on"}


def deals_for_report(
    viewer: Any, filters: ReportFilters, *, by: str | None = BY_CREATED, prefix: str = ""
) -> Q:
    """The Q selecting the deals a report counts (prefix reaches Deal through a relation).

    `by` names the date the period applies to (BY_CREATED, BY_CLOSED) or None for no period.
    A deal's channel and source are those of the lead it came from.
    """
    q = report_scope_q(viewer, prefix) & _common_q(filters, prefix, lead_prefix=f"{prefix}lead__")
    if filters.pipeline is not None:
        q &= Q(**{f"{prefix}pipeline": filters.pipeline})
    if by is not None:
        q &= _period_q(filters, f"{prefix}{DEAL_DATE_FIELDS[by]}")
    if filters.custom:
        custom = _custom_q(filters, RecordKind.DEAL)
        q &= custom if not prefix else Q(**{f"{prefix}in": Deal.objects.filter(custom)})
    return q


def deals_reported(viewer: Any, filters: ReportFilters, *, by: str | None = BY_CREATED) -> QuerySet:
    """The deals a report counts, as a queryset to aggregate."""
    return Deal.objects.filter(deals_for_report(viewer, filters, by=by))


def stage_changes_reported(
    viewer: Any, filters: ReportFilters, *, by: str | None = BY_CREATED
) -> QuerySet:
    """The stage history of the deals a report counts."""
    return StageChange.objects.filter(deals_for_report(viewer, filters, by=by, prefix="deal__"))


def leads_reported(viewer: Any, filters: ReportFilters) -> QuerySet:
    """The leads a report counts, selected by the day they were created. The pipeline filter
    does not apply to leads (they have none)."""
    q = report_scope_q(viewer) & _common_q(filters, "", lead_prefix="")
    q &= _custom_q(filters, RecordKind.LEAD)
    return Lead.objects.filter(q & _period_q(filters, "created_at__date"))
