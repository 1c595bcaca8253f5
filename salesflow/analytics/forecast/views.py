"""The forecast page's one action: a manager or an admin asks for the models to be trained."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from salesflow.users.policy import require_manager


@login_required
@require_http_methods(["POST"])
def forecast_train(request: HttpRequest) -> HttpResponse:
    from salesflow.analytics.tasks import forecast_train_task

    require_manager(request.user, what="train the forecast models")
    user_id = request.user.pk
    transaction.on_commit(lambda: forecast_train_task.enqueue(acting_user_id=user_id))
    messages.success(
        request,
        "Training the forecast models in the background; the page shows the new model once "
        "the worker has finished.",
    )
    return redirect("analytics:report", slug="forecast")
