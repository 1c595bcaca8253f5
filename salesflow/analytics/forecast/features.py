"""The feature tables the learned models read, built by the database.

Each table is one queryset with annotations (stage subqueries, counts as correlated subqueries)
read with `.values()`: no query per deal. Every figure is taken as it stood at the row's
*cutoff*, so a model learns only what was known before the outcome (docs/forecast.md, "No
leakage"):

- an open deal or lead is described as it stands now (cutoff: now);
- a closed deal is learned from once per open stage it entered before it closed
  (`deal_snapshots`; cutoff: the moment it entered the stage), never from its Won or Lost
  stage; `deal_features` of a closed deal describes it as it stood when it closed;
- a finished lead is described as it stood when it converted or was disqualified;
- age is days from creation to the cutoff; activities count those done (or, if never done,
  recorded) before the cutoff; stakeholders those added, objections those logged, a deal's
  BANT only if recorded before the cutoff;
- a lead's BANT is not a feature: a lead is qualified (and then converted) only once BANT is
  recorded, so "BANT recorded" would tell converted leads from disqualified ones by the
  process itself (on the demo data it alone gives an AUC of 1.0);
- custom fields marked "records the outcome" are never read. Other custom values are read as
  they are now: the database keeps no history of them (an admin marks a field that is filled
  during follow-up as an outcome).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from salesflow.activities.models import Activity
from salesflow.analytics.figures import DaysBetween
from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.leads.models import Lead, LeadStatus
from salesflow.pipeline.models import (
    WON_OUTCOMES,
    Deal,
    DealStakeholder,
    Outcome,
    StageChange,
    StakeholderRole,
)
from salesflow.playbooks.models import DealObjection

# Bump when the features change: a stored model of another version is not used (retrain).
FEATURES_VERSION = 2

NONE = "(none)"


@dataclass(frozen=True)
class FeatureSpec:
    """The columns of a feature table: numbers (missing as NaN) and categories (text), each
    with the label a person reads in a deal's or lead's top factors."""

    kind: str
    numeric: Sequence[tuple[str, str]]
    categorical: Sequence[tuple[str, str]]
    # How to show a category's stored value (a custom choice's key as its label).
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.numeric] + [key for key, _ in self.categorical]

    @property
    def labels(self) -> dict[str, str]:
        return dict([*self.numeric, *self.categorical])

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": FEATURES_VERSION,
            "numeric": [list(pair) for pair in self.numeric],
            "categorical": [list(pair) for pair in self.categorical],
        }


@dataclass
class FeatureTable:
    """Feature rows with what training and the backtest need beside them: the record's id, its
    outcome (True/False; None while open), when it closed (for the time split) and the
    baseline's probability (the stage probability for deals, None for leads)."""

    spec: FeatureSpec
    ids: list[int]
    rows: list[dict[str, Any]]
    outcomes: list[bool | None]
    cutoffs: list[dt.datetime]
    baseline: list[float | None]
    # The record each row belongs to (a deal has one training row per stage it entered); the
    # backtest keeps a record's rows together. Empty: each row is its own record.
    groups: list[int] = field(default_factory=list)

    def group_keys(self) -> list[int]:
        return self.groups or self.ids


def _count(queryset: QuerySet, link: str, outer: str = "pk") -> Coalesce:
    """The number of rows of `queryset` pointing at the outer record (its `outer` field) by
    `link`, as a subquery (several counts side by side would multiply each other as joins)."""
    counted = (
        queryset.filter(**{link: OuterRef(outer)})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _before(field_name: str) -> Q:
    return Q(**{f"{field_name}__lt": OuterRef("cutoff")})


def _activities_before(link: str, outer: str = "pk") -> Coalesce:
    """Activities of the record that happened before its cutoff: done ones when done, others
    when recorded."""
    activities = Activity.objects.annotate(moment=Coalesce("done_at", "created_at")).filter(
        _before("moment")
    )
    return _count(activities, link, outer)


def _number(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value: Any) -> str:
    return NONE if value in (None, "") else str(value)


# -- deals -------------------------------------------------------------------------------------

DEAL_SPEC = FeatureSpec(
    kind="deal",
    numeric=[
        ("age_days", "Age (days)"),
        ("log_amount", "Amount (log)"),
        ("activities", "Activities"),
        ("stakeholders", "Stakeholders"),
        ("decision_maker", "Decision maker known"),
        ("objections", "Objections"),
        ("bant", "BANT recorded"),
    ],
    categorical=[
        ("stage", "Stage"),
        ("source", "Source"),
        ("channel", "Channel"),
        ("owner", "Owner"),
        ("industry", "Industry"),
        ("tier", "Account tier"),
        ("currency", "Currency"),
    ],
)

CLOSED_FOR_TRAINING = (*WON_OUTCOMES, Outcome.LOST)


def deal_spec(*, exclude: Sequence[str] = ()) -> FeatureSpec:
    """The deal features: DEAL_SPEC, plus the deal's number, yes/no and choice custom fields
    that are not archived and not marked as recording the outcome (`custom_features`)."""
    numeric, categorical, value_labels = custom_features(RecordKind.DEAL, exclude=exclude)
    return FeatureSpec(
        "deal",
        [*DEAL_SPEC.numeric, *numeric],
        [*DEAL_SPEC.categorical, *categorical],
        value_labels,
    )


def _custom_values(features: dict[str, Any], spec: FeatureSpec, custom: dict[str, Any]) -> None:
    """Fill the spec's custom features of one record from its `custom` values."""
    for key, _ in spec.numeric:
        if key.startswith("custom."):
            features[key] = _number(custom.get(key.removeprefix("custom.")))
    for key, _ in spec.categorical:
        if key.startswith("custom."):
            features[key] = _text(custom.get(key.removeprefix("custom.")))


def _deal_table(rows: QuerySet, deal: str, spec: FeatureSpec | None = None) -> FeatureTable:
    """The deal feature table of `rows` (deals, or stage changes reaching deals through
    `deal`), annotated with `cutoff`, `f_stage` and `f_probability` by the caller. Custom
    values have no history: a training row reads the deal's values as they are now."""
    spec = spec or deal_spec()
    path = f"{deal}__" if deal else ""
    outer = f"{deal}_id" if deal else "pk"
    rows = rows.annotate(
        f_deal=F(outer),
        f_age=DaysBetween(F("cutoff"), F(f"{path}created_at")),
        f_activities=_activities_before("deal", outer),
        f_stakeholders=_count(DealStakeholder.objects.filter(_before("created_at")), "deal", outer),
        f_decision_makers=_count(
            DealStakeholder.objects.filter(
                _before("created_at"), role=StakeholderRole.DECISION_MAKER
            ),
            "deal",
            outer,
        ),
        f_objections=_count(DealObjection.objects.filter(_before("logged_at")), "deal", outer),
        f_bant=Case(
            When(**{f"{path}qualification__recorded_at__lt": F("cutoff")}, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).values(
        "f_deal",
        "cutoff",
        "f_stage",
        "f_probability",
        "f_age",
        "f_activities",
        "f_stakeholders",
        "f_decision_makers",
        "f_objections",
        "f_bant",
        d_outcome=F(f"{path}outcome"),
        d_closed_at=F(f"{path}closed_at"),
        d_amount=F(f"{path}amount"),
        d_currency=F(f"{path}currency"),
        d_source=F(f"{path}lead__source"),
        d_channel=F(f"{path}lead__channel"),
        d_owner=F(f"{path}owner__username"),
        d_industry=F(f"{path}account__industry"),
        d_tier=F(f"{path}account__tier"),
        d_custom=F(f"{path}custom"),
    )
    table = FeatureTable(spec, [], [], [], [], [])
    for row in rows:
        amount = _number(row["d_amount"])
        table.ids.append(row["f_deal"])
        features: dict[str, Any] = {
            "age_days": max(_number(row["f_age"]), 0.0),
            "log_amount": math.log1p(amount) if not math.isnan(amount) else math.nan,
            "activities": float(row["f_activities"]),
            "stakeholders": float(row["f_stakeholders"]),
            "decision_maker": float(row["f_decision_makers"] > 0),
            "objections": float(row["f_objections"]),
            "bant": float(bool(row["f_bant"])),
            "stage": _text(row["f_stage"]),
            "source": _text(row["d_source"]),
            "channel": _text(row["d_channel"]),
            "owner": _text(row["d_owner"]),
            "industry": _text(row["d_industry"]),
            "tier": _text(row["d_tier"]),
            "currency": _text(row["d_currency"]),
        }
        _custom_values(features, spec, row["d_custom"] or {})
        table.rows.append(features)
        outcome = row["d_outcome"]
        table.outcomes.append(
            None if outcome not in CLOSED_FOR_TRAINING else outcome in WON_OUTCOMES
        )
        # The backtest orders deals by when they closed (open ones: the cutoff, now).
        table.cutoffs.append(row["d_closed_at"] or row["cutoff"])
        probability = row["f_probability"]
        table.baseline.append(None if probability is None else probability / 100)
    return table


def deal_features(
    deals: QuerySet, *, now: dt.datetime, spec: FeatureSpec | None = None
) -> FeatureTable:
    """The feature table of `deals` as they stand now (one row each, in one query). A closed
    deal is described as it stood when it closed: its last open stage, its age then, what
    happened before."""
    last_open_stage = (
        StageChange.objects.filter(
            deal=OuterRef("pk"), to_stage__kind="open", changed_at__lte=OuterRef("cutoff")
        )
        .order_by("-changed_at", "-pk")
        .values
    )
    open_deal = Q(outcome=Outcome.OPEN)
    rows = (
        deals.order_by()
        .annotate(cutoff=Coalesce(F("closed_at"), Value(now, output_field=DateTimeField())))
        .annotate(
            f_stage=Case(
                When(open_deal, then=F("stage__name")),
                default=Subquery(last_open_stage("to_stage__name")[:1]),
            ),
            f_probability=Case(
                When(open_deal, then=F("stage__probability")),
                default=Subquery(last_open_stage("to_stage__probability")[:1]),
            ),
        )
        .order_by("cutoff", "pk")
    )
    return _deal_table(rows, "", spec)


def deal_snapshots(deals: QuerySet, spec: FeatureSpec | None = None) -> FeatureTable:
    """The training table of closed `deals`: one row each time a deal entered an open stage
    before it closed, described as it stood at that moment (the stage entered, its age then,
    the activities, stakeholders and objections before then), with the deal's final outcome.

    So the model learns "of the deals that were in this stage with these figures, how many
    were won", which is the question asked about an open deal today. Learning from the state
    at the close instead would teach it that every deal last seen in Prospecting is lost (only
    lost deals close from there), and give open early-stage deals no chance at all. Rows come
    grouped by deal, deals in the order they closed."""
    changes = (
        StageChange.objects.filter(
            deal__in=deals,
            to_stage__kind="open",
            changed_at__lt=F("deal__closed_at"),
        )
        .order_by()
        .annotate(
            cutoff=F("changed_at"),
            f_stage=F("to_stage__name"),
            f_probability=F("to_stage__probability"),
        )
        .order_by("deal__closed_at", "deal_id", "changed_at", "pk")
    )
    table = _deal_table(changes, "deal", spec)
    table.groups = list(table.ids)
    return table


def deals_for_training() -> QuerySet:
    """The closed deals the deal model learns from: won (or upgraded) and lost. Suspended deals
    have no outcome yet and are left out."""
    return Deal.objects.filter(outcome__in=CLOSED_FOR_TRAINING)


# -- leads -------------------------------------------------------------------------------------

LEAD_BASE_NUMERIC = [
    ("fit_score", "Profile fit"),
    ("activities", "Activities"),
    ("from_form", "From a web form"),
    ("has_campaign", "From a campaign"),
]
LEAD_BASE_CATEGORICAL = [
    ("source", "Source"),
    ("channel", "Channel"),
    ("industry", "Industry"),
    ("size_band", "Company size"),
    ("region", "Region"),
]
LEAD_FINISHED = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
NUMBER_TYPES = (FieldType.NUMBER, FieldType.DECIMAL, FieldType.MONEY)
CATEGORY_TYPES = (FieldType.CHOICE, FieldType.YES_NO)


def custom_features(
    kind: str, *, exclude: Sequence[str] = ()
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, dict[str, str]]]:
    """The custom fields of `kind` a model may learn from: number, yes/no and one choice, not
    archived, not marked as recording the outcome, not named in `exclude`; as (numeric,
    categorical, value labels)."""
    fields = CustomField.objects.filter(
        kind=kind,
        archived_at__isnull=True,
        is_outcome=False,
        type__in=[*NUMBER_TYPES, *CATEGORY_TYPES],
    ).exclude(key__in=list(exclude))
    numeric: list[tuple[str, str]] = []
    categorical: list[tuple[str, str]] = []
    value_labels: dict[str, dict[str, str]] = {}
    for custom in fields.order_by("position", "pk"):
        key = f"custom.{custom.key}"
        if custom.type in NUMBER_TYPES:
            numeric.append((key, custom.label))
        else:
            categorical.append((key, custom.label))
            if custom.type == FieldType.CHOICE:
                value_labels[key] = {
                    str(choice.get("key")): str(choice.get("label")) for choice in custom.choices
                }
            else:
                value_labels[key] = {"True": "yes", "False": "no"}
    return numeric, categorical, value_labels


def lead_spec(*, exclude: Sequence[str] = ()) -> FeatureSpec:
    """The lead features: the lead's own fields, plus its custom fields a model may learn from
    (`custom_features`). `exclude` names custom fields (by key) to leave out as well (the X
    Education backtest leaves out `last_activity`, see docs/forecast.md)."""
    numeric, categorical, value_labels = custom_features(RecordKind.LEAD, exclude=exclude)
    return FeatureSpec(
        "lead",
        [*LEAD_BASE_NUMERIC, *numeric],
        [*LEAD_BASE_CATEGORICAL, *categorical],
        value_labels,
    )


def lead_features(
    leads: QuerySet, *, now: dt.datetime, spec: FeatureSpec | None = None
) -> FeatureTable:
    """The feature table of `leads`, in one query. A lead's outcome is converted (True) or
    disqualified (False); None while it is still being worked."""
    spec = spec or lead_spec()
    rows = (
        leads.order_by()
        .annotate(
            cutoff=Coalesce(
                F("converted_at"),
                F("disqualified_at"),
                Value(now, output_field=DateTimeField()),
            )
        )
        .annotate(
            f_activities=_activities_before("lead"),
        )
        .values(
            "pk",
            "status",
            "cutoff",
            "fit_score",
            "f_activities",
            "capture_form_id",
            "campaign_id",
            "source",
            "channel",
            "industry",
            "size_band",
            "region",
            "custom",
        )
        .order_by("cutoff", "pk")
    )
    table = FeatureTable(spec, [], [], [], [], [])
    for row in rows:
        custom = row["custom"] or {}
        features: dict[str, Any] = {
            "fit_score": float(row["fit_score"]),
            "activities": float(row["f_activities"]),
            "from_form": float(row["capture_form_id"] is not None),
            "has_campaign": float(row["campaign_id"] is not None),
            "source": _text(row["source"]),
            "channel": _text(row["channel"]),
            "industry": _text(row["industry"]),
            "size_band": _text(row["size_band"]),
            "region": _text(row["region"]),
        }
        _custom_values(features, spec, custom)
        table.ids.append(row["pk"])
        table.rows.append(features)
        status = row["status"]
        table.outcomes.append(None if status not in LEAD_FINISHED else status == "converted")
        table.cutoffs.append(row["cutoff"])
        table.baseline.append(None)
    return table


def leads_for_training() -> QuerySet:
    """The finished leads the lead model learns from: converted and disqualified."""
    return Lead.objects.filter(status__in=LEAD_FINISHED)
