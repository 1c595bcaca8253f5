"""Inline edit of a deal's most changed fields on the deal list and the deal page: amount,
expected close, owner (through `deal_update`) and stage (through `deal_move`, so the exit
criteria apply and a refusal says what is missing). The next step is the activities app's
(`salesflow.activities.views_inline`). See `salesflow.core.inline` and docs/editing.md."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import strip_tags
from django.views.decorators.http import require_http_methods

from salesflow.core.forms import DateInput, VersionedServiceForm
from salesflow.core.inline import InlineValue, inline_edit
from salesflow.core.templatetags.salesflow_ui import money
from salesflow.pipeline import services
from salesflow.pipeline.models import Deal, StageKind
from salesflow.pipeline.selectors import deal_get_for_user, deal_next_step_state
from salesflow.users import policy
from salesflow.users.forms import OwnerFieldMixin

LABELS = {
    "amount": "Amount",
    "expected_close_on": "Expected close",
    "owner": "Owner",
    "stage": "Stage",
    "next_step": "Next step",
}
NEXT_STEP_TEXT = {"none": "No next step", "overdue": "Next step overdue", "planned": "Planned"}


class DealAmountInlineForm(VersionedServiceForm):
    class Meta:
        model = Deal
        fields = ["amount"]


class DealCloseDateInlineForm(VersionedServiceForm):
    class Meta:
        model = Deal
        fields = ["expected_close_on"]
        widgets = {"expected_close_on": DateInput()}
        labels = {"expected_close_on": "Expected close date"}


class DealOwnerInlineForm(OwnerFieldMixin, VersionedServiceForm):
    class Meta:
        model = Deal
        fields = ["owner"]


class DealStageInlineForm(VersionedServiceForm):
    """The open stages of the deal's pipeline; closing (won or lost) stays on the deal page,
    where it asks for the amount or the reason."""

    class Meta:
        model = Deal
        fields = ["stage"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        deal = self.record
        self.fields["stage"].empty_label = None
        self.fields["stage"].queryset = deal.pipeline.stages.filter(
            kind=StageKind.OPEN, archived_at__isnull=True
        ).order_by("position")


FORMS: dict[str, type[VersionedServiceForm]] = {
    "amount": DealAmountInlineForm,
    "expected_close_on": DealCloseDateInlineForm,
    "owner": DealOwnerInlineForm,
    "stage": DealStageInlineForm,
}


def deal_inline_value(user: Any, deal: Deal, field: str) -> InlineValue:
    """The value of one inline-editable field of a deal, as the list and the deal page show it."""
    if field == "amount":
        html = text = money(deal.amount, deal.currency)
    elif field == "expected_close_on":
        html = text = date_filter(deal.expected_close_on, "j M Y") or "—"
    elif field == "owner":
        html = text = str(deal.owner or "Nobody")
    elif field == "stage":
        html = text = deal.stage.name
    else:  # next_step: its form is the activities app's (edits or plans the next activity)
        html = render_to_string("pipeline/next_step_badge.html", {"deal": deal})
        # The link's name starts with the words it shows, so speech users can say what they see.
        shown = " ".join(strip_tags(html).split())
        text = shown or NEXT_STEP_TEXT.get(deal_next_step_state(deal) or "", "—")
        if deal.next_activity_at:
            text += f", due {date_filter(deal.next_activity_at, 'j M Y')}"
    closed_field = field in ("stage", "next_step") and deal.is_closed
    editable = policy.can_write(user, deal) and not closed_field
    if field == "owner" and deal.owner_id is not None:  # handing over: its owner or a manager
        editable = editable and policy.can_hand_over(user, deal)
    if field == "next_step":
        url = reverse("activities:deal-next-step", args=[deal.pk])
        html = html or "—"
    else:
        url = reverse(f"pipeline:deal-inline-{field.replace('_', '-')}", args=[deal.pk])
    return InlineValue(
        id=f"inline-deal-{deal.pk}-{field}",
        url=url,
        label=LABELS[field],
        html=html,
        text=text,
        editable=editable,
        field=field,
    )


@login_required
@require_http_methods(["GET", "POST"])
def deal_inline(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    if field == "stage" and deal.is_closed:
        raise Http404("A closed deal is reopened on its page.")
    form = FORMS[field](
        request.POST or None,
        user=request.user,
        record=deal,
        auto_id=f"id_inline_deal_{deal.pk}_%s",  # unique beside a list's filter fields
    )

    def save() -> None:
        changes = form.changes()
        if field != "stage":
            services.deal_update(
                deal,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **changes,
            )
        elif "stage" in changes:
            services.deal_move(
                deal,
                to_stage=changes["stage"],
                expected_version=form.expected_version(),
                acting_user=request.user,
            )

    return inline_edit(
        request,
        record=deal,
        form=form,
        save=save,
        value=lambda: deal_inline_value(request.user, deal_get_for_user(request.user, pk), field),
    )


# One URL per field (`pipeline:deal-inline-amount`, ...), included in `pipeline.urls`.
urlpatterns = [
    path(
        f"<int:pk>/inline/{field.replace('_', '-')}/",
        deal_inline,
        {"field": field},
        name=f"deal-inline-{field.replace('_', '-')}",
    )
    for field in FORMS
]
