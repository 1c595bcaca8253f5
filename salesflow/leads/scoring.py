"""Explainable lead scoring: fit to the customer profile, BANT answers and engagement.

A score is the sum of the points of the admin's `ScoringRule` rows that apply to the lead; the
breakdown lists each of them ("+20 Budget confirmed", "-10 No activity in 30 days"), so a rep can
see why a lead is hot. Engagement points halve every `half_life_days` since it happened.

Rules may also read the lead's custom fields (values in its `custom` column, read with the lead
row): a number range, choices, yes or no, and a date in the last N days whose points halve every
`half_life_days` since that date. Their line says what they tested ("+15 Total visits of at
least 5"). A rule whose field is archived, or no longer of a type it reads, gives no points.

`score_compute` is pure (facts in, result out); `lead_rescore` reads one lead's facts from the
database and writes its result; `leads_rescore_all` and `leads_rescore` run the set-based
version for many leads (`salesflow.leads.rescoring`), which stores exactly the same values.
Rescoring is a derived-data refresh, not an edit: it updates the score columns directly,
without a version bump or an audit-log entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import models
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from salesflow.customfields.models import CustomField, FieldType
from salesflow.leads.models import (
    CONDITION_CATEGORY,
    CUSTOM_CONDITIONS,
    CUSTOM_FIELD_TYPES,
    Grade,
    Lead,
    ProfileCriterion,
    ProfileDimension,
    ScoreCondition,
    ScoringRule,
)
from salesflow.leads.selectors import scoring_settings

# Activity types (salesflow.activities.models.ActivityType values) that are a contact with the
# lead: they set the first response time and count as a touch. Notes and tasks are not.
CONTACT_TYPES = ("call", "email", "meeting", "visit", "demo")

# How each engagement condition is found among a lead's activities.
ENGAGEMENT_FILTERS: dict[str, Q] = {
    # An email activity done with an outcome starting "Replied" records the lead's answer.
    ScoreCondition.EMAIL_REPLIED: Q(
        type="email", done_at__isnull=False, outcome__istartswith="repl"
    ),
    ScoreCondition.MEETING_HELD: Q(type="meeting", done_at__isnull=False),
    ScoreCondition.VISIT_HELD: Q(type="visit", done_at__isnull=False),
    # A demo on the calendar means it was asked for, held or not.
    ScoreCondition.DEMO_REQUESTED: Q(type="demo"),
}

# The lead columns scoring reads, in one query with its BANT record.
FACT_FIELDS = (
    "pk", "title", "industry", "size_band", "region", "capture_form_id", "created_at",
    "qualification__is_budget_confirmed", "qualification__budget_amount",
    "qualification__is_decision_maker", "qualification__need", "qualification__pain_level",
    "qualification__timeline_on", "custom",
)  # fmt: skip


def _activity_model() -> type[models.Model]:
    # Through the reverse relation: activities imports leads, so leads does not import it back.
    return Lead.activities.field.model


@dataclass(frozen=True)
class Engagement:
    count: int = 0
    last_at: dt.datetime | None = None


@dataclass(frozen=True)
class LeadFacts:
    """What a score depends on, read from a lead, its BANT record and its activities."""

    created_at: dt.datetime
    title: str = ""
    industry: str = ""
    size_band: str = ""
    region: str = ""
    has_capture_form: bool = False
    is_budget_confirmed: bool = False
    budget_amount: Decimal | None = None
    is_decision_maker: bool | None = None
    need: str = ""
    pain_level: int | None = None
    timeline_on: dt.date | None = None
    engagement: dict[str, Engagement] = field(default_factory=dict)
    last_touch_at: dt.datetime | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoringContext:
    rules: list[ScoringRule]
    criteria: list[ProfileCriterion]
    hot_min: int
    warm_min: int
    now: dt.datetime

    @cached_property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    @cached_property
    def categories(self) -> dict[str, str]:
        return {str(code): str(category) for code, category in CONDITION_CATEGORY.items()}

    @cached_property
    def fits(self) -> dict[tuple[str, str, str, str], int]:
        """Fit scores already computed in this run, per (title, industry, size band, region):
        leads repeat them, and fit is a function of these four alone."""
        return {}

    @cached_property
    def explanations(self) -> dict[int, str]:
        """Per rule (by `id`), the name its breakdown line shows."""
        return {id(rule): _explanation(rule) for rule in self.rules}


@dataclass(frozen=True)
class ScoreResult:
    score: int
    grade: str
    fit_score: int
    breakdown: list[dict[str, Any]]


def scoring_context(*, now: dt.datetime | None = None) -> ScoringContext:
    """The active rules, profile criteria and grade thresholds, read once per scoring run."""
    row = scoring_settings()
    return ScoringContext(
        rules=list(
            ScoringRule.objects.filter(is_active=True)
            .select_related("custom_field")
            .order_by("position", "pk")
        ),
        criteria=list(ProfileCriterion.objects.filter(is_active=True)),
        hot_min=row.hot_min,
        warm_min=row.warm_min,
        now=now or timezone.now(),
    )


def _folded(value: str) -> str:
    return " ".join(value.casefold().split())


def _criterion_matches(criterion: ProfileCriterion, facts: LeadFacts) -> bool:
    wanted = _folded(criterion.value)
    if not wanted:
        return False
    if criterion.dimension == ProfileDimension.ROLE:
        # A whole word or phrase of the title: "CTO" matches "CTO & co-founder", not "Director".
        return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", _folded(facts.title)) is not None
    value = {
        ProfileDimension.INDUSTRY: facts.industry,
        ProfileDimension.SIZE_BAND: facts.size_band,
        ProfileDimension.REGION: facts.region,
    }[ProfileDimension(criterion.dimension)]
    return _folded(value) == wanted


def fit_score(facts: LeadFacts, criteria: Iterable[ProfileCriterion]) -> int:
    """0-100: per dimension the lead earns the best weight it matches, out of the best possible."""
    best: dict[str, int] = {}
    earned: dict[str, int] = {}
    for criterion in criteria:
        best[criterion.dimension] = max(best.get(criterion.dimension, 0), criterion.weight)
        if _criterion_matches(criterion, facts):
            earned[criterion.dimension] = max(earned.get(criterion.dimension, 0), criterion.weight)
    possible = sum(best.values())
    if not possible:
        return 0
    return round(100 * sum(earned.values()) / possible)


def _halved(points: int, half_life_days: int | None, age_days: float) -> int:
    if not half_life_days:
        return points
    return round(points * 0.5 ** (max(age_days, 0) / half_life_days))


def _decayed(
    points: int, half_life_days: int | None, since: dt.datetime | None, now: dt.datetime
) -> int:
    if since is None:
        return points
    return _halved(points, half_life_days, (now - since).total_seconds() / 86400)


def _number(stored: Any) -> Decimal | None:
    if isinstance(stored, bool) or not isinstance(stored, int | float):
        return None
    return Decimal(str(stored))


def _age_days(field_type: str, stored: Any, ctx: ScoringContext) -> float | None:
    """How many days ago a stored date ("YYYY-MM-DD") or date and time was; None if unreadable."""
    if not isinstance(stored, str):
        return None
    try:
        if field_type == FieldType.DATETIME:
            moment = dt.datetime.fromisoformat(stored)
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=dt.UTC)
            return (ctx.now - moment).total_seconds() / 86400
        return float((ctx.today - dt.date.fromisoformat(stored)).days)
    except ValueError:
        return None


def _custom_points(rule: ScoringRule, field_: CustomField, stored: Any, ctx: ScoringContext) -> int:
    """The points of a rule on a custom field whose stored value is `stored` (not None)."""
    condition = rule.condition
    if condition == ScoreCondition.CUSTOM_NUMBER_RANGE:
        number = _number(stored)
        applies = (
            number is not None
            and (rule.threshold is None or number >= rule.threshold)
            and (rule.threshold_max is None or number <= rule.threshold_max)
        )
    elif condition == ScoreCondition.CUSTOM_CHOICE_IN:
        chosen = stored if isinstance(stored, list) else [stored]
        applies = any(key in rule.values for key in chosen)
    elif condition == ScoreCondition.CUSTOM_YES:
        applies = stored is True
    elif condition == ScoreCondition.CUSTOM_NO:
        applies = stored is False
    else:  # CUSTOM_DATE_WITHIN: on or before today, at most `threshold` days ago
        age = _age_days(field_.type, stored, ctx)
        if age is None or not 0 <= age <= (rule.threshold or 0):
            return 0
        return _halved(rule.points, rule.half_life_days, age)
    return rule.points if applies else 0


def _explanation(rule: ScoringRule) -> str:
    """The breakdown's name for a rule: a custom-field rule says what it tested, after the
    admin's name when that says something else ("Engaged (Total visits of at least 5)")."""
    if rule.condition not in CUSTOM_CONDITIONS or rule.custom_field is None:
        return rule.title
    tested = rule.explained
    name = rule.name.strip()
    if not name or name.casefold() == tested.casefold():
        return tested
    return f"{name} ({tested})"


def _custom_rule_points(rule: ScoringRule, custom: dict[str, Any], ctx: ScoringContext) -> int:
    """The points of a custom-field rule for a lead whose custom values are `custom`."""
    field_ = rule.custom_field
    # An archived field, or one whose type changed under the rule, stops counting.
    if field_ is None or field_.archived_at is not None:
        return 0
    if field_.type not in CUSTOM_FIELD_TYPES[rule.condition]:
        return 0
    stored = custom.get(field_.key)
    return 0 if stored is None else _custom_points(rule, field_, stored, ctx)


def _form_points(
    rule: ScoringRule, has_capture_form: bool, created_at: dt.datetime | None, now: dt.datetime
) -> int:
    """A lead that came in through a web form: the points fade since the lead was created."""
    if not has_capture_form:
        return 0
    return _decayed(rule.points, rule.half_life_days, created_at, now)


def _idle_points(rule: ScoringRule, since: dt.datetime, now: dt.datetime) -> int:
    """No contact (or, without one, no creation) in the last `threshold` days."""
    applies = (now - since) >= dt.timedelta(days=float(rule.threshold or 0))
    return rule.points if applies else 0


def _engagement_points(
    rule: ScoringRule, count: int, last_at: dt.datetime | None, now: dt.datetime
) -> int:
    """At least `threshold` (1 when blank) such activities: the points fade since the last."""
    if count < max(rule.threshold or 1, 1):
        return 0
    return _decayed(rule.points, rule.half_life_days, last_at, now)


def _rule_points(rule: ScoringRule, facts: LeadFacts, fit: int, ctx: ScoringContext) -> int:
    """The points the rule gives this lead: 0 when it does not apply."""
    condition = rule.condition
    threshold = rule.threshold
    if condition in CUSTOM_CONDITIONS:
        return _custom_rule_points(rule, facts.custom, ctx)
    if condition == ScoreCondition.PROFILE_FIT:
        applies = fit > 0 and fit >= (threshold or 0)
    elif condition == ScoreCondition.BUDGET_CONFIRMED:
        applies = facts.is_budget_confirmed
    elif condition == ScoreCondition.BUDGET_AT_LEAST:
        applies = facts.budget_amount is not None and facts.budget_amount >= (threshold or 0)
    elif condition == ScoreCondition.IS_DECISION_MAKER:
        applies = facts.is_decision_maker is True
    elif condition == ScoreCondition.NEED_STATED:
        applies = bool(facts.need.strip())
    elif condition == ScoreCondition.PAIN_LEVEL_GTE:
        applies = facts.pain_level is not None and facts.pain_level >= (threshold or 0)
    elif condition == ScoreCondition.TIMELINE_WITHIN_DAYS:
        days = (facts.timeline_on - ctx.today).days if facts.timeline_on else None
        applies = days is not None and 0 <= days <= (threshold or 0)
    elif condition == ScoreCondition.FORM_FILLED:
        return _form_points(rule, facts.has_capture_form, facts.created_at, ctx.now)
    elif condition == ScoreCondition.NO_ACTIVITY_DAYS:
        return _idle_points(rule, facts.last_touch_at or facts.created_at, ctx.now)
    elif condition in ENGAGEMENT_FILTERS:
        seen = facts.engagement.get(condition, Engagement())
        return _engagement_points(rule, seen.count, seen.last_at, ctx.now)
    else:  # a condition this code does not know (the database refuses them): no points
        return 0
    return rule.points if applies else 0


def grade_for(score: int, *, hot_min: int, warm_min: int) -> str:
    if score >= hot_min:
        return Grade.HOT
    if score >= warm_min:
        return Grade.WARM
    return Grade.COLD


def score_compute(facts: LeadFacts, ctx: ScoringContext) -> ScoreResult:
    """The score, grade and explanation for one lead. The score is the breakdown's sum."""
    profile = (facts.title, facts.industry, facts.size_band, facts.region)
    fit = ctx.fits.get(profile)
    if fit is None:
        if len(ctx.fits) >= 50_000:  # free-text titles: keep the memory bounded
            ctx.fits.clear()
        fit = ctx.fits[profile] = fit_score(facts, ctx.criteria)
    return score_result(fit, [_rule_points(rule, facts, fit, ctx) for rule in ctx.rules], ctx)


def score_result(fit: int, points: Iterable[int], ctx: ScoringContext) -> ScoreResult:
    """The result of a lead whose fit is `fit` and whom `ctx.rules` give `points` (in order)."""
    breakdown = []
    for rule, rule_points in zip(ctx.rules, points, strict=True):
        if rule_points:
            name = ctx.explanations[id(rule)]
            breakdown.append(
                {
                    "rule": rule.pk,
                    "name": name,
                    "category": ctx.categories.get(rule.condition, ""),
                    "points": rule_points,
                    "label": f"{rule_points:+d} {name}",
                }
            )
    score = sum(item["points"] for item in breakdown)
    grade = grade_for(score, hot_min=ctx.hot_min, warm_min=ctx.warm_min)
    return ScoreResult(score=score, grade=grade, fit_score=fit, breakdown=breakdown)


def _engagement_by_lead(lead_filter: Q) -> dict[int, dict[str, Any]]:
    """Per lead, how often and when last each engagement happened: one grouped query."""
    aggregates: dict[str, Any] = {"last_touch_at": Max("done_at", filter=Q(type__in=CONTACT_TYPES))}
    for condition, condition_filter in ENGAGEMENT_FILTERS.items():
        aggregates[f"{condition}__n"] = Count("pk", filter=condition_filter)
        aggregates[f"{condition}__at"] = Max(
            Coalesce("done_at", "due_at", "created_at"), filter=condition_filter
        )
    rows = (
        _activity_model()
        .objects.filter(lead_filter)
        .order_by()
        .values("lead_id")
        .annotate(**aggregates)
    )
    return {row["lead_id"]: row for row in rows}


def _facts(row: dict[str, Any], activity_row: dict[str, Any] | None) -> LeadFacts:
    engagement = {}
    last_touch_at = None
    if activity_row is not None:
        engagement = {
            condition: Engagement(
                count=activity_row[f"{condition}__n"], last_at=activity_row[f"{condition}__at"]
            )
            for condition in ENGAGEMENT_FILTERS
        }
        last_touch_at = activity_row["last_touch_at"]
    return LeadFacts(
        created_at=row["created_at"],
        title=row["title"],
        industry=row["industry"],
        size_band=row["size_band"],
        region=row["region"],
        has_capture_form=row["capture_form_id"] is not None,
        is_budget_confirmed=bool(row["qualification__is_budget_confirmed"]),
        budget_amount=row["qualification__budget_amount"],
        is_decision_maker=row["qualification__is_decision_maker"],
        need=row["qualification__need"] or "",
        pain_level=row["qualification__pain_level"],
        timeline_on=row["qualification__timeline_on"],
        engagement=engagement,
        last_touch_at=last_touch_at,
        custom=row["custom"] or {},
    )


def lead_rescore(
    lead: Lead, *, context: ScoringContext | None = None, now: dt.datetime | None = None
) -> Lead:
    """Recompute one lead's score from the database and store it (also on `lead`)."""
    pending = _deferred.get()
    if pending is not None:
        pending.add(lead.pk)
        return lead
    ctx = context or scoring_context(now=now)
    row = Lead.objects.filter(pk=lead.pk).values(*FACT_FIELDS).first()
    if row is None:
        return lead
    activity_row = _engagement_by_lead(Q(lead_id=lead.pk)).get(lead.pk)
    result = score_compute(_facts(row, activity_row), ctx)
    values = {
        "fit_score": result.fit_score,
        "score": result.score,
        "grade": result.grade,
        "score_breakdown": result.breakdown,
        "scored_at": ctx.now,
    }
    Lead.objects.filter(pk=lead.pk).update(**values)
    for name, value in values.items():
        setattr(lead, name, value)
    return lead


def leads_rescore_all(*, chunk_size: int = 2000, now: dt.datetime | None = None) -> int:
    """Recompute every lead's score; return how many were scored (`salesflow.leads.rescoring`)."""
    from salesflow.leads.rescoring import rescore_all  # it builds on this module's rules

    return rescore_all(chunk_size=chunk_size, now=now)


def leads_rescore(
    lead_ids: Iterable[int], *, chunk_size: int = 2000, now: dt.datetime | None = None
) -> int:
    """Recompute the scores of the given leads, set-based like `leads_rescore_all`."""
    from salesflow.leads.rescoring import rescore_ids

    return rescore_ids(lead_ids, chunk_size=chunk_size, now=now)


_deferred: ContextVar[set[int] | None] = ContextVar("salesflow_scoring_deferred", default=None)


@contextmanager
def scoring_deferred() -> Iterator[None]:
    """Inside the block, `lead_rescore` only notes the lead; leaving it rescores them in bulk.

    For writers of many leads at once (imports): one set-based scoring run per batch instead of
    a full scoring run per lead. Nested blocks leave the rescoring to the outermost one. When
    the block raises, nothing is rescored (its writes are rolled back with it).
    """
    if _deferred.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    leads_rescore(pending)


def lead_activity_recorded(activity: Any) -> None:
    """Called by the activity services after an activity is created or completed.

    The first call, email, meeting, visit or demo done with the lead sets its first response
    time; any activity may change its engagement score.
    """
    if activity.lead_id is None:
        return
    if activity.type in CONTACT_TYPES and activity.done_at is not None:
        # One conditional UPDATE: the earliest contact wins, even when two are recorded at once.
        is_first = (
            Lead.objects.filter(pk=activity.lead_id)
            .filter(Q(first_response_at__isnull=True) | Q(first_response_at__gt=activity.done_at))
            .update(first_response_at=activity.done_at)
        )
        if is_first:
            activity.lead.first_response_at = activity.done_at
    lead_rescore(activity.lead)
