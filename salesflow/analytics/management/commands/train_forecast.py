"""`salesflow train_forecast`: learn the deal win and lead conversion probabilities now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salesflow.analytics.models import ModelKind


class Command(BaseCommand):
    help = (
        "Train the learned models on the organisation's closed deals and finished leads, "
        "backtest them on the newest quarter, and store them (docs/forecast.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            choices=[*ModelKind.values, "all"],
            default="all",
            help="Which model to train (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from salesflow.analytics.forecast.services import forecast_model_train

        kinds = ModelKind.values if options["kind"] == "all" else [options["kind"]]
        for kind in kinds:
            outcome = forecast_model_train(kind)
            label = ModelKind(kind).label
            if outcome.model is None:
                self.stdout.write(f"{label}: not trained. {outcome.reason}.")
                continue
            tested = outcome.model.metrics["backtest"]
            model, baseline = tested.get("model") or {}, tested.get("baseline") or {}
            self.stdout.write(
                self.style.SUCCESS(
                    f"{label}: trained on {outcome.model.n_train} "
                    f"({outcome.model.n_positive} positive). Backtest on the newest "
                    f"{tested['n_test']}: AUC {_figure(model.get('auc'))} "
                    f"(baseline {_figure(baseline.get('auc'))}), Brier "
                    f"{_figure(model.get('brier'))} (baseline {_figure(baseline.get('brier'))})."
                )
            )


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
