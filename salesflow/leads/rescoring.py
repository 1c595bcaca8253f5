"""Rescoring many leads at once: the set-based run behind `leads_rescore_all` and `leads_rescore`.

It stores exactly what `lead_rescore` (one lead: `score_compute` over its `LeadFacts`) would,
and reaches it with less work per lead (issue #10 point 3, docs/benchmarks.md):

- The active rules are compiled once per run. The leads' query selects only the columns some
  active rule reads (no BANT join without a BANT rule, no custom values without a custom-field
  rule), the activities' grouped query only the aggregates the engagement rules read (none at
  all: no query).
- Rows are read as tuples through a plain cursor running the SQL Django compiles for the same
  queryset; a column is converted (dates, decimals, JSON) only when a rule reads it, by Django's
  own converters for that column.
- A rule that reads one column (a BANT answer, the profile fit) is evaluated once per distinct
  value in the run, through `_rule_points` itself; the time-dependent rules (engagement, idle,
  web form) and the custom-field rules call the same per-rule functions `_rule_points` calls.
- A lead's result (breakdown, score, grade) is built once per distinct (fit, points of each
  rule) by `score_result`, with its breakdown serialised as it is written.
- The stored breakdown is compared as JSON text with that serialisation; only when the texts
  differ (PostgreSQL's jsonb normalises the text) is it decoded, once per distinct text.
- Only the changed leads are written, by one `executemany` per chunk; `scored_at` is set for the
  chunk in one UPDATE.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Coalesce

from salesflow.leads.models import CUSTOM_CONDITIONS, Lead, ScoreCondition
from salesflow.leads.scoring import (
    CONTACT_TYPES,
    ENGAGEMENT_FILTERS,
    FACT_FIELDS,
    LeadFacts,
    ScoreResult,
    ScoringContext,
    _activity_model,
    _custom_rule_points,
    _engagement_points,
    _facts,
    _form_points,
    _idle_points,
    _rule_points,
    fit_score,
    score_result,
    scoring_context,
)

Row = tuple[Any, ...]
# A compiled rule: its points for a lead row, its engagement row (None: no activity) and fit.
RuleFn = Callable[[Row, Row | None, int], int]

# Read for every lead: its id and stored result (positions 0-4), its profile (5-8, the fit).
_STORED = ("pk", "fit_score", "score", "grade", "score_breakdown")
_PROFILE = ("title", "industry", "size_band", "region")
_PROFILE_SLICE = slice(len(_STORED), len(_STORED) + len(_PROFILE))
# The BANT conditions and the one column each reads.
_BANT_COLUMNS = {
    ScoreCondition.BUDGET_CONFIRMED: "qualification__is_budget_confirmed",
    ScoreCondition.BUDGET_AT_LEAST: "qualification__budget_amount",
    ScoreCondition.IS_DECISION_MAKER: "qualification__is_decision_maker",
    ScoreCondition.NEED_STATED: "qualification__need",
    ScoreCondition.PAIN_LEVEL_GTE: "qualification__pain_level",
    ScoreCondition.TIMELINE_WITHIN_DAYS: "qualification__timeline_on",
}
_LAST_TOUCH = "last_touch_at"
_MEMO_MAX = 100_000  # entries per memo: free-text values must not grow it without bound


def _memoised(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`function` computed once per distinct (hashable) argument."""
    cache: dict[Any, Any] = {}

    def call(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            if len(cache) >= _MEMO_MAX:
                cache.clear()
            result = cache[value] = function(value)
            return result
        except TypeError:  # an unhashable value (a JSON list): computed each time
            return function(value)

    return call


def _unchanged(value: Any) -> Any:
    return value


class _Columns:
    """The select list of a queryset: each column's position, and Django's converters for it."""

    def __init__(self, queryset: QuerySet) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        compiler.setup_query()
        self.index = {alias: i for i, (_, _, alias) in enumerate(compiler.select)}
        self._converters = compiler.get_converters([col for col, _, _ in compiler.select])
        self._connection = compiler.connection

    def converter(self, name: str, *, memo: bool = False) -> Callable[[Any], Any]:
        """The raw value of column `name` to the value Django's queryset would give."""
        entry = self._converters.get(self.index[name])
        if entry is None:
            return _unchanged
        chain, expression = entry
        db = self._connection

        def convert(value: Any) -> Any:
            for function in chain:
                value = function(value, expression, db)
            return value

        if chain == [getattr(db.ops, "convert_datetimefield_value", None)]:
            return _datetime_converter(convert, db)
        return _memoised(convert) if memo else convert


def _datetime_converter(convert: Callable[[Any], Any], db: Any) -> Callable[[Any], Any]:
    """SQLite's text datetimes read as Django's converter reads them (`parse_datetime` tries
    `fromisoformat` first; a naive value is in the connection's time zone), without its calls
    per value; anything else goes through Django's converter."""
    if not settings.USE_TZ:
        return convert
    zone = db.timezone
    parse = dt.datetime.fromisoformat

    def read(value: Any) -> Any:
        if value is None:
            return None
        if value.__class__ is not str:
            return convert(value)
        try:
            moment = parse(value)
        except ValueError:
            return convert(value)
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment

    return read


def _raw_rows(queryset: QuerySet) -> list[Row]:
    """The queryset's rows as the database driver gives them (no Django conversion)."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _aggregates(rules: Iterable[Any]) -> dict[str, Any]:
    """The engagement aggregates the rules read, by name."""
    aggregates: dict[str, Any] = {}
    for rule in rules:
        condition = rule.condition
        if condition == ScoreCondition.NO_ACTIVITY_DAYS:
            aggregates[_LAST_TOUCH] = Max("done_at", filter=Q(type__in=CONTACT_TYPES))
        elif condition in ENGAGEMENT_FILTERS:
            condition_filter = ENGAGEMENT_FILTERS[condition]
            aggregates[f"{condition}__n"] = Count("pk", filter=condition_filter)
            if rule.half_life_days:  # without a half-life, when it happened does not matter
                aggregates[f"{condition}__at"] = Max(
                    Coalesce("done_at", "due_at", "created_at"), filter=condition_filter
                )
    return aggregates


def _lead_columns(rules: Iterable[Any]) -> tuple[str, ...]:
    """The lead columns the rules read, after the ones every lead needs."""
    columns = list(_STORED + _PROFILE)
    for rule in rules:
        condition = rule.condition
        wanted: tuple[str, ...] = ()
        if condition in _BANT_COLUMNS:
            wanted = (_BANT_COLUMNS[condition],)
        elif condition == ScoreCondition.FORM_FILLED:
            wanted = ("capture_form_id", "created_at")
        elif condition == ScoreCondition.NO_ACTIVITY_DAYS:
            wanted = ("created_at",)
        elif condition in CUSTOM_CONDITIONS:
            wanted = ("custom",)
        columns.extend(name for name in wanted if name not in columns)
    return tuple(columns)


class _Outcome:
    """A result, its breakdown as JSON text (as SQLite stores it) and, once a lead needs it
    written, as this database takes it."""

    __slots__ = ("db_value", "result", "text")

    def __init__(self, result: ScoreResult, text: str) -> None:
        self.result = result
        self.text = text
        self.db_value: Any = None


class _Run:
    """One rescoring run: the context, the compiled rules and what it has already computed."""

    def __init__(self, ctx: ScoringContext) -> None:
        self.ctx = ctx
        self.columns = _lead_columns(ctx.rules)
        self.aggregates = _aggregates(ctx.rules)
        self.leads = _Columns(Lead.objects.values_list(*self.columns))
        self.activities = _Columns(self._activities(Q()))
        blank = dict.fromkeys(FACT_FIELDS)
        blank.update(title="", industry="", size_band="", region="", created_at=ctx.now)
        self._blank = blank
        self.rules: list[RuleFn] = [self._compile(rule) for rule in ctx.rules]
        self.outcomes: dict[tuple[int, tuple[int, ...]], _Outcome] = {}
        self._fragments: dict[tuple[int, int], str] = {}
        self._breakdown_field = Lead._meta.get_field("score_breakdown")
        self._stored_breakdown = self.leads.converter("score_breakdown", memo=True)

    def _activities(self, lead_filter: Q) -> QuerySet:
        # Every engagement filter and the last touch are contacts: other types cannot count.
        return (
            _activity_model()
            .objects.filter(lead_filter, type__in=CONTACT_TYPES)
            .order_by()
            .values("lead_id")
            .annotate(**self.aggregates)
        )

    def _one_fact(self, name: str, value: Any) -> LeadFacts:
        """The facts of a lead that has only this value (the rest blank)."""
        return _facts({**self._blank, name: value}, None)

    def _compile(self, rule: Any) -> RuleFn:
        ctx = self.ctx
        now = ctx.now
        condition = rule.condition
        if condition == ScoreCondition.PROFILE_FIT:
            blank = self._one_fact("pk", None)
            by_fit = _memoised(lambda fit: _rule_points(rule, blank, fit, ctx))
            return lambda row, act, fit: by_fit(fit)
        if condition in _BANT_COLUMNS:
            name = _BANT_COLUMNS[condition]
            at = self.leads.index[name]
            convert = self.leads.converter(name)
            by_value = _memoised(
                lambda raw: _rule_points(rule, self._one_fact(name, convert(raw)), 0, ctx)
            )
            return lambda row, act, fit: by_value(row[at])
        if condition in CUSTOM_CONDITIONS:
            at = self.leads.index["custom"]
            decode = self.leads.converter("custom", memo=True)
            return lambda row, act, fit: _custom_rule_points(rule, decode(row[at]) or {}, ctx)
        if condition == ScoreCondition.FORM_FILLED:
            form_at, created_at = (
                self.leads.index["capture_form_id"],
                self.leads.index["created_at"],
            )
            created = self.leads.converter("created_at")

            def form(row: Row, act: Row | None, fit: int) -> int:
                if row[form_at] is None:
                    return _form_points(rule, False, None, now)
                return _form_points(rule, True, created(row[created_at]), now)

            return form
        if condition == ScoreCondition.NO_ACTIVITY_DAYS:
            created_at, touch_at = (
                self.leads.index["created_at"],
                self.activities.index[_LAST_TOUCH],
            )
            created = self.leads.converter("created_at")
            touched = self.activities.converter(_LAST_TOUCH)

            def idle(row: Row, act: Row | None, fit: int) -> int:
                last = act[touch_at] if act is not None else None
                since = touched(last) if last is not None else created(row[created_at])
                return _idle_points(rule, since, now)

            return idle
        if condition in ENGAGEMENT_FILTERS:
            count_at = self.activities.index[f"{condition}__n"]
            count = self.activities.converter(f"{condition}__n", memo=True)
            last_at = self.activities.index.get(f"{condition}__at")
            last = self.activities.converter(f"{condition}__at") if last_at is not None else None
            none_seen = _engagement_points(rule, 0, None, now)

            def engaged(row: Row, act: Row | None, fit: int) -> int:
                if act is None:
                    return none_seen
                when = last(act[last_at]) if last is not None else None
                return _engagement_points(rule, count(act[count_at]), when, now)

            return engaged
        # A condition this code does not know: whatever `_rule_points` gives (no points).
        constant = _rule_points(rule, self._one_fact("pk", None), 0, ctx)
        return lambda row, act, fit: constant

    def lead_rows(self, lead_filter: Q, *, limit: int | None = None) -> list[Row]:
        queryset = Lead.objects.filter(lead_filter).order_by("pk").values_list(*self.columns)
        return _raw_rows(queryset[:limit] if limit else queryset)

    def engagement(self, lead_filter: Q) -> dict[int, Row]:
        if not self.aggregates:
            return {}
        return {row[0]: row for row in _raw_rows(self._activities(lead_filter))}

    def fit(self, profile: tuple[str, str, str, str]) -> int:
        fits = self.ctx.fits
        fit = fits.get(profile)
        if fit is None:
            if len(fits) >= 50_000:  # free-text titles: keep the memory bounded
                fits.clear()
            title, industry, size_band, region = profile
            facts = LeadFacts(
                created_at=self.ctx.now,
                title=title,
                industry=industry,
                size_band=size_band,
                region=region,
            )
            fit = fits[profile] = fit_score(facts, self.ctx.criteria)
        return fit

    def outcome(self, fit: int, points: tuple[int, ...]) -> _Outcome:
        key = (fit, points)
        outcome = self.outcomes.get(key)
        if outcome is None:
            if len(self.outcomes) >= _MEMO_MAX:
                self.outcomes.clear()
            result = score_result(fit, points, self.ctx)
            outcome = self.outcomes[key] = _Outcome(result, self.breakdown_text(result.breakdown))
        return outcome

    def breakdown_text(self, breakdown: list[dict[str, Any]]) -> str:
        """`json.dumps(breakdown)`, from the text of each line, serialised once per rule and
        points (a list's JSON is its items' JSON, joined by ", " between brackets)."""
        parts = []
        fragments = self._fragments
        for item in breakdown:
            key = (item["rule"], item["points"])
            part = fragments.get(key)
            if part is None:
                part = fragments[key] = json.dumps(item, cls=self._breakdown_field.encoder)
            parts.append(part)
        return "[" + ", ".join(parts) + "]"

    def is_stored(self, row: Row, outcome: _Outcome) -> bool:
        """Whether the lead's stored result is this one."""
        result = outcome.result
        if (row[1], row[2], row[3]) != (result.fit_score, result.score, result.grade):
            return False
        stored = row[4]
        return stored == outcome.text or self._stored_breakdown(stored) == result.breakdown

    def rescore(self, rows: list[Row], activity_filter: Q, *, chunk: Q) -> None:
        """Score the rows; write the changed ones in one batch and stamp `scored_at` on the
        leads `chunk` selects."""
        engagement = self.engagement(activity_filter)
        rules = self.rules
        changed = []
        for row in rows:
            act = engagement.get(row[0])
            fit = self.fit(row[_PROFILE_SLICE])
            outcome = self.outcome(fit, tuple([rule(row, act, fit) for rule in rules]))
            if not self.is_stored(row, outcome):
                changed.append((row[0], outcome))
        with transaction.atomic():
            _scores_write(changed, self._breakdown_field)
            Lead.objects.filter(chunk).update(scored_at=self.ctx.now)


def _scores_write(changed: list[tuple[int, _Outcome]], breakdown_field: Any) -> None:
    """Store many leads' results in one statement run per row (`executemany`).

    Plain parameterised UPDATEs, the same SQL on SQLite and PostgreSQL. `bulk_update` gave the
    same result about 100 times slower on 10,000 leads (bench/rescore.py): it builds a CASE
    expression per row and field in Python.
    """
    if not changed:
        return
    quote = connection.ops.quote_name
    columns = [
        Lead._meta.get_field(name).column
        for name in ("fit_score", "score", "grade", "score_breakdown")
    ]
    # Identifiers come from the model's metadata, values are parameters.
    sql = "UPDATE {table} SET {columns} WHERE {pk} = %s".format(  # noqa: S608
        table=quote(Lead._meta.db_table),
        columns=", ".join(f"{quote(column)} = %s" for column in columns),
        pk=quote(Lead._meta.pk.column),
    )
    for _, outcome in changed:
        if outcome.db_value is None:
            outcome.db_value = breakdown_field.get_db_prep_save(
                outcome.result.breakdown, connection
            )
    params = [
        (
            outcome.result.fit_score,
            outcome.result.score,
            outcome.result.grade,
            outcome.db_value,
            pk,
        )
        for pk, outcome in changed
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def rescore_all(*, chunk_size: int = 2000, now: dt.datetime | None = None) -> int:
    """Recompute every lead's score; return how many were scored.

    Per chunk of leads (by id): one query reads their scoring columns and stored results, one
    grouped query their engagement; the changed leads are written in one batch and `scored_at`
    is set for the whole chunk in one UPDATE. The query count grows with the number of chunks,
    not of leads.
    """
    run = _Run(scoring_context(now=now))
    scored = 0
    last_pk = 0
    while True:
        rows = run.lead_rows(Q(pk__gt=last_pk), limit=chunk_size)
        if not rows:
            return scored
        first_pk, last_pk = rows[0][0], rows[-1][0]
        run.rescore(
            rows,
            Q(lead_id__gte=first_pk, lead_id__lte=last_pk),
            chunk=Q(pk__gte=first_pk, pk__lte=last_pk),
        )
        scored += len(rows)


def rescore_ids(
    lead_ids: Iterable[int], *, chunk_size: int = 2000, now: dt.datetime | None = None
) -> int:
    """Recompute the scores of the given leads, set-based like `rescore_all`."""
    ids = sorted(set(lead_ids))
    if not ids:
        return 0
    run = _Run(scoring_context(now=now))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        rows = run.lead_rows(Q(pk__in=chunk))
        run.rescore(rows, Q(lead_id__in=chunk), chunk=Q(pk__in=[row[0] for row in rows]))
    return len(ids)
