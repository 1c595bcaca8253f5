"""Training the learned models and asking them about open deals and leads.

`forecast_model_train` is the one write: the command, the background task and the page's
button all call it. Reads (`deal_predictions`, `lead_predictions`) use the newest trained
model of their kind, or say why there is none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

import joblib
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from salesflow.analytics.forecast.features import (
    FEATURES_VERSION,
    deal_features,
    deal_snapshots,
    deals_for_training,
    lead_features,
    leads_for_training,
)
from salesflow.analytics.forecast.learning import (
    Factor,
    LearnedModel,
    backtest,
    enough,
    enough_counts,
    model_fit,
    scores,
)
from salesflow.analytics.models import ModelKind, TrainedModel
from salesflow.leads.models import Lead, LeadStatus
from salesflow.pipeline.models import WON_OUTCOMES


@dataclass
class TrainOutcome:
    kind: str
    model: TrainedModel | None = None
    # Why no model was trained (too few closed records), else "".
    reason: str = ""


@dataclass(frozen=True)
class Prediction:
    probability: float
    factors: list[Factor] = field(default_factory=list)


def _table(kind: str, *, now: dt.datetime) -> Any:
    if kind == ModelKind.DEAL:
        return deal_snapshots(deals_for_training())
    return lead_features(leads_for_training(), now=now)


def forecast_model_train(
    kind: str, *, acting_user: Any = None, now: dt.datetime | None = None
) -> TrainOutcome:
    """Learn the win (deal) or conversion (lead) probability from the closed records, backtest
    it on the newest quarter, and store it as the newest TrainedModel of its kind. Below the
    minimum of closed records nothing is stored and the outcome says why."""
    now = now or timezone.now()
    table = _table(kind, now=now)
    # One outcome per record (a deal has a training row per stage it entered).
    per_record = dict(zip(table.group_keys(), table.outcomes, strict=True))
    if reason := enough(list(per_record.values())):
        return TrainOutcome(kind, reason=f"Not enough to learn from: {reason}")
    tested = backtest(
        table.spec,
        table.rows,
        table.outcomes,
        table.baseline,
        groups=table.group_keys(),
        baseline_is_probability=kind == ModelKind.DEAL,
    )
    if kind == ModelKind.LEAD:
        tested.update(_lead_baseline(table, tested))
    learned = model_fit(table.spec, table.rows, table.outcomes)
    buffer = io.BytesIO()
    joblib.dump(learned, buffer)
    positives = sum(1 for outcome in per_record.values() if outcome)
    model = TrainedModel.objects.create(
        kind=kind,
        trained_at=now,
        trained_by=acting_user,
        n_train=len(per_record),
        n_positive=positives,
        metrics={
            "features": table.spec.as_dict(),
            "rows": len(table.rows),
            "backtest": tested,
            "test_from": _test_from(table.cutoffs, tested),
        },
        pipeline=buffer.getvalue(),
    )
    return TrainOutcome(kind, model=model)


def _test_from(cutoffs: list[dt.datetime], tested: dict[str, Any]) -> str | None:
    index = tested.get("rows_train")
    if index is None or index >= len(cutoffs):
        return None
    return cutoffs[index].date().isoformat()


def _lead_baseline(table: Any, tested: dict[str, Any]) -> dict[str, Any]:
    """For leads the baseline is the rule score as stored now (it ranks, it is no probability,
    so only its AUC is shown). Read in one query for the held-out leads."""
    split = tested["rows_train"]
    test_ids = table.ids[split:]
    by_id = dict(Lead.objects.filter(pk__in=test_ids).values_list("pk", "score"))
    values = [by_id.get(pk, 0) for pk in test_ids]
    return {"baseline": scores(values, table.outcomes[split:], brier=False)}


def forecast_models_train(*, acting_user: Any = None) -> list[TrainOutcome]:
    """Train both models (deal, lead)."""
    return [forecast_model_train(kind, acting_user=acting_user) for kind in ModelKind.values]


def trained_model_latest(kind: str) -> TrainedModel | None:
    return TrainedModel.objects.filter(kind=kind).order_by("-trained_at", "-pk").first()


# The newest model of each kind, unpickled once per process: {kind: (which row, model)}.
_LOADED: dict[str, tuple[tuple[int, str, str], LearnedModel]] = {}


def learned_model_load(row: TrainedModel | None) -> LearnedModel | None:
    """The fitted model stored in `row`, or None when it was trained on features of another
    version (the code changed since: train again)."""
    if row is None or row.metrics.get("features", {}).get("version") != FEATURES_VERSION:
        return None
    # The bytes' digest too: a database restored from a backup (or a test database) may give
    # another model the same id and moment.
    key = (row.pk, row.trained_at.isoformat(), hashlib.sha256(bytes(row.pipeline)).hexdigest())
    cached = _LOADED.get(row.kind)
    if cached is None or cached[0] != key:
        # Safe only because our own trainer wrote these bytes (see TrainedModel.pipeline).
        cached = (key, joblib.load(io.BytesIO(bytes(row.pipeline))))
        _LOADED[row.kind] = cached
    return cached[1]


@dataclass
class ModelState:
    """The model a forecast uses, or why it uses stage probabilities instead."""

    kind: str
    row: TrainedModel | None
    learned: LearnedModel | None
    note: str


def model_state(kind: str) -> ModelState:
    row = trained_model_latest(kind)
    learned = learned_model_load(row)
    if learned is not None:
        return ModelState(kind, row, learned, "")
    fallback = " Stage probabilities are used instead." if kind == ModelKind.DEAL else ""
    if row is not None:
        note = "The trained model is from an older version of Salesflow: train it again."
        return ModelState(kind, row, None, note + fallback)
    if kind == ModelKind.DEAL:
        counts = deals_for_training().aggregate(
            yes=Count("pk", filter=Q(outcome__in=WON_OUTCOMES)), n=Count("pk")
        )
    else:
        counts = leads_for_training().aggregate(
            yes=Count("pk", filter=Q(status=LeadStatus.CONVERTED)), n=Count("pk")
        )
    reason = enough_counts(counts["yes"], counts["n"] - counts["yes"])
    if reason:
        note = f"No learned model: {reason}."
    else:
        note = "No learned model yet: a manager or an admin can train one on the forecast page."
    return ModelState(kind, None, None, note + fallback)


def deal_predictions(
    deals: QuerySet, *, state: ModelState | None = None, now: dt.datetime | None = None
) -> dict[int, Prediction]:
    """The learned win probability and top factors of each deal, by id ({} without a model)."""
    state = state or model_state(ModelKind.DEAL)
    if state.learned is None:
        return {}
    table = deal_features(deals, now=now or timezone.now(), spec=state.learned.spec)
    return _predict(state.learned, table)


def lead_predictions(
    leads: QuerySet, *, state: ModelState | None = None, now: dt.datetime | None = None
) -> dict[int, Prediction]:
    """The learned conversion probability and top factors of each lead, by id."""
    state = state or model_state(ModelKind.LEAD)
    if state.learned is None:
        return {}
    table = lead_features(leads, now=now or timezone.now(), spec=state.learned.spec)
    return _predict(state.learned, table)


def _predict(learned: LearnedModel, table: Any) -> dict[int, Prediction]:
    probabilities = learned.probabilities(table.rows)
    factors = learned.factors(table.rows)
    return {
        pk: Prediction(round(float(p), 4), f)
        for pk, p, f in zip(table.ids, probabilities, factors, strict=True)
    }
