"""How well the learned models predict: the backtest stored with the newest trained model.

Training holds back the newest quarter of the closed deals (or finished leads), learns from the
older ones, and measures on the held-back ones: AUC (ranking), Brier score (squared error of the
probabilities; lower is better) and a calibration table (predicted against actual per tenth of
predicted probability), beside the baseline on the same records: the stage probability for
deals, the rule score for leads (a score ranks but is no probability: AUC only).
"""

from __future__ import annotations

from typing import Any

from salesflow.analytics.filters import ReportFilters
from salesflow.analytics.forecast.services import model_state
from salesflow.analytics.models import ModelKind
from salesflow.analytics.registry import Column, Option, Report, ReportSpec, report_register

BASELINES = {ModelKind.DEAL: "stage probability", ModelKind.LEAD: "rule score"}


def forecast_backtest(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    kind = options["kind"]
    state = model_state(kind)
    tested = state.row.metrics.get("backtest", {}) if state.row is not None else {}
    model, baseline = tested.get("model") or {}, tested.get("baseline") or {}
    rows = _calibration_rows(tested)
    notes = [
        f"Trained on the older closed records, tested on the newest {tested.get('n_test', 0)} "
        "(a quarter); a deal is predicted at each open stage it entered, as it stood then. "
        "AUC: the chance that a record that won (converted) got a higher "
        "probability than one that did not (0.5 is chance). Brier score: the mean squared "
        f"error of the probabilities (lower is better). Baseline: the {BASELINES[kind]}.",
        "The models learn from the whole organisation's records, so the filters do not apply.",
    ]
    if state.note:
        notes.append(state.note)
    if tested.get("skipped"):
        notes.append(tested["skipped"] + ".")
    return Report(
        title="Forecast backtest",
        columns=[
            Column("range", "Predicted"),
            Column("n", "Records", "int"),
            Column("predicted", "Model: predicted", "rate"),
            Column("actual", "Model: actual", "rate"),
            Column("baseline_n", "Baseline: records", "int"),
            Column("baseline_predicted", "Baseline: predicted", "rate"),
            Column("baseline_actual", "Baseline: actual", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "auc": model.get("auc"),
            "baseline_auc": baseline.get("auc"),
            "brier": model.get("brier"),
            "baseline_brier": baseline.get("brier"),
            "n_train": tested.get("n_train"),
            "n_test": tested.get("n_test"),
            "rows_test": tested.get("rows_test"),
            "test_from": state.row.metrics.get("test_from") if state.row else None,
            "trained_at": state.row.trained_at.isoformat() if state.row else None,
        },
        summary_labels={
            "auc": "AUC (model)",
            "baseline_auc": f"AUC ({BASELINES[kind]})",
            "brier": "Brier score (model)",
            "baseline_brier": f"Brier score ({BASELINES[kind]})",
            "n_train": "Trained on",
            "n_test": "Tested on",
            "rows_test": "Predictions tested",
            "test_from": "Test records closed from",
            "trained_at": "Trained at",
        },
        notes=notes,
    )


def _calibration_rows(tested: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per tenth of predicted probability, the model's and the baseline's side by side."""
    model = {row["bin"]: row for row in tested.get("calibration", [])}
    baseline = {row["bin"]: row for row in tested.get("baseline_calibration", [])}
    rows = []
    for tenth in sorted(set(model) | set(baseline)):
        mine, base = model.get(tenth, {}), baseline.get(tenth, {})
        rows.append(
            {
                "range": f"{tenth * 10}-{tenth * 10 + 10} %",
                "n": mine.get("n", 0),
                "predicted": mine.get("predicted"),
                "actual": mine.get("actual"),
                "baseline_n": base.get("n", 0),
                "baseline_predicted": base.get("predicted"),
                "baseline_actual": base.get("actual"),
            }
        )
    return rows


SPEC = report_register(
    ReportSpec(
        slug="forecast-backtest",
        title="Forecast backtest",
        description="How well the learned win and conversion probabilities predicted the newest "
        "closed deals and leads, beside stage probabilities and the rule score.",
        build=forecast_backtest,
        options=[
            Option(
                "kind", "Model", [("deal", "Deals (win)"), ("lead", "Leads (conversion)")], "deal"
            )
        ],
        period_means="not applicable",
        template="analytics/forecast_backtest.html",
        audience="manager",
        position=41,
    )
)
