"""Background tasks of analytics: training the learned models (see salesflow.analytics.forecast).

A manager enqueues it from the forecast page; `salesflow train_forecast` runs the same training
in the foreground. To relearn daily, add ("salesflow.analytics.tasks.forecast_train_task", 24)
to SALESFLOW_WORKER_SCHEDULE."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def forecast_train_task(acting_user_id: int | None = None) -> dict[str, Any]:
    """Train the deal and the lead model; per kind, the new model's id or why there is none."""
    from salesflow.analytics.forecast.services import forecast_models_train
    from salesflow.users.models import User

    acting_user = User.objects.filter(pk=acting_user_id).first() if acting_user_id else None
    return {
        outcome.kind: {
            "model": outcome.model.pk if outcome.model else None,
            "reason": outcome.reason,
        }
        for outcome in forecast_models_train(acting_user=acting_user)
    }


@task()
def report_summaries_task() -> dict[str, bool]:
    """Rebuild the report summaries of the pipelines whose stages changed since their last
    rebuild (salesflow.analytics.summary); {pipeline id: now fresh}. Hourly, by
    SALESFLOW_WORKER_SCHEDULE."""
    from salesflow.analytics.summary import report_summaries_rebuild

    done = report_summaries_rebuild(stale_only=True)
    return {str(pk): fresh for pk, fresh in done.items()}
