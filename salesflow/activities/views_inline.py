"""Inline edit of a deal's next step (the deal list and the deal page): the subject and due
time of its next open activity, through `activity_update` with the activity's version, or a
new task through `activity_create` when the deal has none. See `salesflow.core.inline`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from salesflow.activities import services
from salesflow.activities.models import Activity, ActivityType
from salesflow.activities.selectors import activity_next_of_deal
from salesflow.core.forms import DateTimeInput, VersionedServiceForm
from salesflow.core.inline import inline_edit
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.pipeline.views_inline import deal_inline_value


class NextStepInlineForm(VersionedServiceForm):
    """The next step's subject and when it is due (both needed for a next step)."""

    class Meta:
        model = Activity
        fields = ["subject", "due_at"]
        widgets = {"due_at": DateTimeInput()}
        labels = {"subject": "Next step", "due_at": "Due"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_at"].required = True


@login_required
@require_http_methods(["GET", "POST"])
def deal_next_step(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    activity = activity_next_of_deal(request.user, deal)
    form = NextStepInlineForm(
        request.POST or None,
        user=request.user,
        record=activity,
        auto_id=f"id_inline_next_step_{deal.pk}_%s",
    )

    def save() -> None:
        if activity is None:
            services.activity_create(
                acting_user=request.user,
                type=ActivityType.TASK,
                deal=deal,
                subject=form.cleaned_data["subject"],
                due_at=form.cleaned_data["due_at"],
            )
            return
        services.activity_update(
            activity,
            acting_user=request.user,
            expected_version=form.expected_version(),
            **form.changes(),
        )

    return inline_edit(
        request,
        record=deal,
        form=form,
        save=save,
        value=lambda: deal_inline_value(
            request.user, deal_get_for_user(request.user, pk), "next_step"
        ),
    )
