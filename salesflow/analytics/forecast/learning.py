"""Learning a win (or conversion) probability from a feature table, and explaining it.

The model is a logistic regression on standardised numbers (missing ones imputed with the
median, plus a "was missing" flag) and one-hot categories (rare ones pooled), calibrated with
Platt scaling on cross-validated predictions (`CalibratedClassifierCV`, sigmoid, one final
regression fitted on all rows, so its coefficients explain every probability it gives).

A record's top factors are the largest contributions to its log-odds: for each feature,
coefficient * (its standardised value - the training average), summed over a category's
one-hot columns. "+" raises the probability against an average record, "-" lowers it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from salesflow.analytics.forecast.features import FEATURES_VERSION, NONE, FeatureSpec

# Below these, a model would learn noise: the forecast says so and keeps stage probabilities.
MIN_CLOSED = 40
MIN_EACH_OUTCOME = 5
# The backtest trains on the older closed records and tests on the newest quarter.
TEST_SHARE = 0.25
TOP_FACTORS = 3


@dataclass(frozen=True)
class Factor:
    feature: str
    text: str
    contribution: float

    @property
    def sign(self) -> str:
        return "+" if self.contribution > 0 else "-"

    def __str__(self) -> str:
        return f"{self.text} ({self.sign})"


@dataclass
class LearnedModel:
    """What is pickled into TrainedModel.pipeline: the calibrated classifier, the spec it was
    trained on and the training average of each transformed column (for the factors)."""

    version: int
    spec: FeatureSpec
    calibrated: CalibratedClassifierCV
    train_mean: np.ndarray

    @property
    def fitted(self) -> Pipeline:
        """The single regression fitted on all training rows (ensemble=False)."""
        return self.calibrated.calibrated_classifiers_[0].estimator

    def probabilities(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        return self.calibrated.predict_proba(matrix(self.spec, rows))[:, 1]

    def factors(self, rows: Sequence[dict[str, Any]], top: int = TOP_FACTORS) -> list[list[Factor]]:
        """Each row's `top` largest contributions (by size), with their signs."""
        if not rows:
            return []
        pipeline = self.fitted
        transformed = _dense(pipeline[:-1].transform(matrix(self.spec, rows)))
        coefficients = pipeline[-1].coef_[0]
        contributions = (transformed - self.train_mean) * coefficients
        owners = _column_features(self.spec, pipeline[:-1])
        if len(owners) != transformed.shape[1]:
            raise ValueError("The model's columns do not match its features; train it again.")
        keys = self.spec.keys
        explained = []
        for values, row in zip(contributions, rows, strict=True):
            per_feature = np.zeros(len(keys))
            np.add.at(per_feature, owners, values)
            order = np.argsort(-np.abs(per_feature))[:top]
            explained.append(
                [
                    Factor(keys[i], factor_text(self.spec, keys[i], row[keys[i]]), per_feature[i])
                    for i in order
                    if abs(per_feature[i]) > 1e-9
                ]
            )
        return explained


def matrix(spec: FeatureSpec, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """The rows as one object array, numbers first then categories, in the spec's order."""
    return np.array([[row[key] for key in spec.keys] for row in rows], dtype=object)


def _dense(values: Any) -> np.ndarray:
    return np.asarray(values.toarray() if hasattr(values, "toarray") else values, dtype=float)


def _column_features(spec: FeatureSpec, preprocess: Any) -> np.ndarray:
    """For each transformed column, the index (in spec.keys) of the feature it came from."""
    transformer: ColumnTransformer = preprocess[0]
    owners: list[int] = []
    numeric_count = len(spec.numeric)
    numbers = transformer.named_transformers_["num"]
    # The imputer adds a "was missing" column for each number that had gaps in training.
    indicator = numbers[0].indicator_
    owners.extend(range(numeric_count))
    if indicator is not None:
        owners.extend(int(i) for i in indicator.features_)
    encoder: OneHotEncoder = transformer.named_transformers_["cat"]
    for index, cats in enumerate(encoder.categories_):
        kept = len(cats)
        infrequent = (encoder.infrequent_categories_ or [None] * len(encoder.categories_))[index]
        if infrequent is not None:
            kept = kept - len(infrequent) + 1
        owners.extend([numeric_count + index] * kept)
    return np.array(owners)


def factor_text(spec: FeatureSpec, key: str, value: Any) -> str:
    """ "Stage: Proposal and objections", "Activities: 12", "Amount (log): EUR 1,200"."""
    label = spec.labels[key]
    if key in dict(spec.categorical):
        shown = spec.value_labels.get(key, {}).get(str(value), str(value))
        return f"{label}: {'none' if value == NONE else shown}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{label}: unknown"
    if key == "log_amount":
        return f"Amount: {math.expm1(value):,.0f}"
    if label.endswith("recorded") or label.endswith("known") or label.startswith("From a"):
        return f"{label}: {'yes' if value else 'no'}"
    if float(value).is_integer() or abs(value) >= 10:
        return f"{label}: {value:,.0f}"
    return f"{label}: {value:,.1f}"


class Clip(TransformerMixin, BaseEstimator):
    """Hold each number within the range the training rows had (their 1st to 99th percentile):
    an open deal far older than any closed one must not be extrapolated to a certainty."""

    def fit(self, values: Any, labels: Any = None) -> Clip:
        data = np.asarray(values, dtype=float)
        self.low_ = np.nanpercentile(data, 1, axis=0) if len(data) else np.zeros(0)
        self.high_ = np.nanpercentile(data, 99, axis=0) if len(data) else np.zeros(0)
        return self

    def transform(self, values: Any) -> np.ndarray:
        return np.clip(np.asarray(values, dtype=float), self.low_, self.high_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(input_features, dtype=object)


def _pipeline(spec: FeatureSpec) -> Pipeline:
    numeric = list(range(len(spec.numeric)))
    categorical = list(range(len(spec.numeric), len(spec.keys)))
    preprocess = ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [
                        (
                            "impute",
                            SimpleImputer(
                                strategy="median", add_indicator=True, keep_empty_features=True
                            ),
                        ),
                        ("clip", Clip()),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            (
                "cat",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False
                ),
                categorical,
            ),
        ],
        sparse_threshold=0,
    )
    return Pipeline([("columns", preprocess), ("model", _regression())])


def _regression() -> LogisticRegression:
    return LogisticRegression(C=0.5, max_iter=2000)


def enough(outcomes: Sequence[bool | None]) -> str:
    """Why these outcomes are too few to learn from, or "" when they are enough."""
    positives = sum(1 for outcome in outcomes if outcome)
    return enough_counts(positives, len(outcomes) - positives)


def enough_counts(positives: int, negatives: int) -> str:
    if positives + negatives < MIN_CLOSED or min(positives, negatives) < MIN_EACH_OUTCOME:
        return (
            f"{positives + negatives} closed so far ({positives} won, {negatives} not); a model "
            f"needs at least {MIN_CLOSED}, with at least {MIN_EACH_OUTCOME} of each outcome"
        )
    return ""


def model_fit(spec: FeatureSpec, rows: Sequence[dict[str, Any]], outcomes: Sequence[bool]):
    """Fit and calibrate a model on the rows; the caller checked `enough(outcomes)`."""
    labels = np.array([bool(outcome) for outcome in outcomes], dtype=int)
    folds = int(min(5, np.bincount(labels, minlength=2).min()))
    calibrated = CalibratedClassifierCV(
        _pipeline(spec), method="sigmoid", cv=max(folds, 2), ensemble=False
    )
    data = matrix(spec, rows)
    calibrated.fit(data, labels)
    fitted = calibrated.calibrated_classifiers_[0].estimator
    train_mean = _dense(fitted[:-1].transform(data)).mean(axis=0)
    return LearnedModel(FEATURES_VERSION, spec, calibrated, train_mean)


# -- measuring ---------------------------------------------------------------------------------


def calibration_table(probabilities: Sequence[float], outcomes: Sequence[bool]) -> list[dict]:
    """Per tenth of predicted probability (0-10 %, ..., 90-100 %) that holds records: how
    many, their average predicted probability and the share that actually won."""
    rows = []
    predicted = np.asarray(probabilities, dtype=float)
    actual = np.asarray(outcomes, dtype=float)
    bins = np.minimum((predicted * 10).astype(int), 9)
    for tenth in range(10):
        chosen = bins == tenth
        if not chosen.any():
            continue
        rows.append(
            {
                "bin": tenth,
                "range": f"{tenth * 10}-{tenth * 10 + 10} %",
                "n": int(chosen.sum()),
                "predicted": round(float(predicted[chosen].mean()), 4),
                "actual": round(float(actual[chosen].mean()), 4),
            }
        )
    return rows


def scores(probabilities: Sequence[float], outcomes: Sequence[bool], *, brier: bool = True):
    """AUC and Brier score (sklearn.metrics); AUC is None when the outcomes are all alike."""
    labels = np.asarray(outcomes, dtype=int)
    values = np.asarray(probabilities, dtype=float)
    auc = None if len(set(labels.tolist())) < 2 else round(float(roc_auc_score(labels, values)), 4)
    return {
        "auc": auc,
        "brier": round(float(brier_score_loss(labels, values)), 4) if brier else None,
    }


def backtest(
    spec: FeatureSpec,
    rows: Sequence[dict[str, Any]],
    outcomes: Sequence[bool],
    baseline: Sequence[float | None],
    *,
    groups: Sequence[int] | None = None,
    baseline_is_probability: bool = True,
) -> dict[str, Any]:
    """Train on the older records, measure on the newest TEST_SHARE of them: the model's AUC,
    Brier score and calibration, beside the baseline's on the same rows.

    Rows come oldest record first; `groups` names each row's record (a deal has a row per stage
    it entered) so a record's rows stay on one side of the split."""
    groups = list(groups) if groups is not None else list(range(len(rows)))
    order = list(dict.fromkeys(groups))
    n_test = max(1, math.ceil(len(order) * TEST_SHARE))
    tested = set(order[len(order) - n_test :])
    split = next(index for index, group in enumerate(groups) if group in tested)
    per_record = dict(zip(groups[:split], outcomes[:split], strict=True))
    result: dict[str, Any] = {
        "n_train": len(order) - n_test,
        "n_test": n_test,
        "rows_train": split,
        "rows_test": len(rows) - split,
    }
    if reason := enough(list(per_record.values())):
        result["skipped"] = f"Too few older records to train on: {reason}"
        return result
    model = model_fit(spec, rows[:split], list(outcomes[:split]))
    test_outcomes = list(outcomes[split:])
    predicted = model.probabilities(rows[split:])
    result["model"] = scores(predicted, test_outcomes)
    result["calibration"] = calibration_table(predicted, test_outcomes)
    result["positive_rate"] = round(sum(test_outcomes) / len(test_outcomes), 4)
    known = [(b, o) for b, o in zip(baseline[split:], test_outcomes, strict=True) if b is not None]
    if known:
        base_values = [b for b, _ in known]
        base_outcomes = [o for _, o in known]
        result["baseline"] = scores(base_values, base_outcomes, brier=baseline_is_probability)
        if baseline_is_probability:
            result["baseline_calibration"] = calibration_table(base_values, base_outcomes)
    return result
