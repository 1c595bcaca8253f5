"""Bulk actions on the deal list, and the deal list's saved views (registered from ready())."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.audit.exports import records_export
from salesflow.customfields.lists import custom_export
from salesflow.customfields.selectors import custom_fields_of
from salesflow.listviews.bulk import BulkAction, BulkRegistry, bulk_view
from salesflow.listviews.bulk_forms import BulkOwnerForm, BulkVisibilityForm
from salesflow.listviews.registry import ListSpec, list_register
from salesflow.pipeline import services
from salesflow.pipeline.exports import deal_export
from salesflow.pipeline.forms import DealFilterForm
from salesflow.pipeline.models import Deal, LostReason, Pipeline, Stage
from salesflow.pipeline.selectors import deals_visible_to

deal_bulk_actions = BulkRegistry("deal")


class BulkStageForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=None, label="Move to stage")
    lost_reason = forms.ModelChoiceField(
        queryset=None, required=False, label="Lost reason (when moving to a lost stage)"
    )

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data, label_suffix="")
        stages = Stage.objects.filter(archived_at__isnull=True).select_related("pipeline")
        self.fields["stage"].queryset = stages.order_by("pipeline__name", "position")
        several = stages.values("pipeline").distinct().count() > 1
        self.fields["stage"].label_from_instance = lambda stage: (
            f"{stage.pipeline.name}: {stage.name}" if several else stage.name
        )
        self.fields["lost_reason"].queryset = LostReason.objects.filter(is_active=True)


def _visible(user: Any) -> Any:
    return deals_visible_to(user).select_related("account", "stage", "owner", "pipeline")


def _owner(deal: Deal, *, user: Any, data: dict[str, Any], version: int | None) -> None:
    services.deal_update(deal, acting_user=user, expected_version=version, owner=data["owner"])


def _visibility(deal: Deal, *, user: Any, data: dict[str, Any], version: int | None) -> None:
    services.deal_update(
        deal, acting_user=user, expected_version=version, visibility=data["visibility"]
    )


def _move(deal: Deal, *, user: Any, data: dict[str, Any], version: int | None) -> None:
    services.deal_move(
        deal,
        to_stage=data["stage"],
        lost_reason=data.get("lost_reason"),
        acting_user=user,
        expected_version=version,
    )


def _delete(deal: Deal, *, user: Any, data: dict[str, Any], version: int | None) -> None:
    services.deal_delete(deal, acting_user=user)


def _export(request: HttpRequest, deals: Any) -> HttpResponse:
    extra, formats = custom_export("deal")
    # The stage columns of the selected deals' pipeline, as the list's own export gives them
    # when it is filtered to that pipeline (the default pipeline's when they span several).
    pipelines = list(deals.order_by().values_list("pipeline", flat=True).distinct()[:2])
    pipeline = Pipeline.objects.get(pk=pipelines[0]) if len(pipelines) == 1 else None
    deals, columns = deal_export(deals.order_by("pk"), pipeline=pipeline)
    return records_export(
        request, name="deals", queryset=deals, columns=columns + extra, formats=formats
    )


@login_required
@require_http_methods(["POST"])
def deal_bulk(request: HttpRequest) -> HttpResponse:
    return bulk_view(
        request,
        registry=deal_bulk_actions,
        visible=_visible,
        list_url=reverse("pipeline:deal-list"),
        noun_plural="deals",
    )


def register() -> None:
    """From PipelineConfig.ready(): the deal list's bulk actions and saved views."""
    for action in (
        BulkAction("owner", "Assign owner", "assigned", run=_owner, form=BulkOwnerForm, order=10),
        BulkAction(
            "visibility",
            "Change visibility",
            "changed",
            run=_visibility,
            form=BulkVisibilityForm,
            order=20,
        ),
        BulkAction("move", "Move stage", "moved", run=_move, form=BulkStageForm, order=30),
        BulkAction("export", "Export selected (CSV)", respond=_export, order=80),
        BulkAction("delete", "Delete", "deleted", run=_delete, confirm=True, danger=True, order=90),
    ):
        deal_bulk_actions.register(action)
    list_register(
        ListSpec(
            key="deal",
            label="Deals",
            url_name="pipeline:deal-list",
            form=DealFilterForm,
            columns=lambda: [(f.key, f.label, f) for f in custom_fields_of("deal")],
            bulk=deal_bulk_actions,
            bulk_url_name="pipeline:deal-bulk",
        )
    )
